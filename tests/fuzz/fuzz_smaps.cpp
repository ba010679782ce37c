// libFuzzer target: the smaps, smaps_rollup, status and stat parsers on arbitrary text.
#include "procfs.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<mml::procfs::ParseError> errors;
    std::vector<mml::Mapping> maps = mml::procfs::parse_smaps(text, &errors);
    for (const mml::Mapping& m : maps) {
        // Each literal block must lie inside the text it was parsed from.
        if (!m.smaps_text.empty() &&
            (m.smaps_text.data() < text.data() ||
             m.smaps_text.data() + m.smaps_text.size() > text.data() + text.size()))
            std::abort();
        (void)m.kb("Rss");
        (void)m.has_flag("rd");
    }
    (void)mml::procfs::parse_rollup(text);
    (void)mml::procfs::parse_status(text);
    uint64_t minflt = 0, majflt = 0;
    (void)mml::procfs::parse_stat(text, minflt, majflt);
    return 0;
}
