// libFuzzer target: the action language. Whatever parses must print, parse again to the same
// program (round trip), and check without crashing.
#include "script/script.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    mml::script::Program prog;
    mml::script::Diagnostic diag;
    if (!mml::script::parse(text, "fuzz", prog, diag)) {
        if (diag.line <= 0 || diag.col <= 0 || diag.message.empty()) std::abort();
        return 0;
    }
    const std::string printed = mml::script::print(prog);
    mml::script::Program again;
    if (!mml::script::parse(printed, "printed", again, diag) || !(again == prog)) {
        std::fprintf(stderr, "round trip failed:\n%s\n%s\n", printed.c_str(), diag.str().c_str());
        std::abort();
    }
    mml::script::Scope scope;
    (void)mml::script::check(prog, scope, diag);
    return 0;
}
