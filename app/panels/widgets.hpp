// Small drawing helpers shared by the panels: sizes in kB, section headings, C statements
// in a code box, and lookups of the selected process and mapping in the Snapshot.
#pragma once

#include "app_state.hpp"

#include <imgui.h>

#include <cstdint>
#include <string>

namespace mml::app {

std::string human_kb(uint64_t kb);          // "0", "12 kB", "1.5 MB"
std::string addr_text(uint64_t a);          // "0x7f3a1c000000"
std::string mapping_name(const Mapping& m); // path, or "[anonymous]"

const Process* selected_process(const Context& ctx);
const Mapping* selected_mapping(const Context& ctx);
const Process* process_in(const SnapshotPtr& s, int pid); // null-safe

// A heading: small caps-like muted label with a thin line under it.
void section(const char* label);
// A statement (or several lines) in the mono font on a code background, wrapped to the width.
void code_box(const Context& ctx, const std::string& text, const char* id);
// The height code_box() will take for `text` at the current width.
float code_box_height(const Context& ctx, const std::string& text);
// "(?)" that shows `text` on hover.
void help_marker(const char* text);
// Text in a palette colour.
void colored_text(ImU32 color, const char* text);

} // namespace mml::app
