// libFuzzer target: the /proc/PID/maps parser on arbitrary text (never crashes, fields consistent).
#include "procfs.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<mml::procfs::ParseError> errors;
    std::vector<mml::Mapping> maps = mml::procfs::parse_maps(text, &errors);
    for (const mml::Mapping& m : maps) {
        mml::Mapping again;
        (void)mml::procfs::parse_maps_line(m.path, again); // a path is any text
        (void)m.kind();
        (void)m.size();
    }
    for (const auto& e : errors)
        if (e.line <= 0) std::abort(); // every error names a line
    return 0;
}
