// Colour-blind-safe colours (Okabe-Ito) for page states, mapping kinds and UI accents, with a
// glyph per page state, so no state is told by colour alone. Shared by every panel.
#pragma once

#include "app_state.hpp"

#include <imgui.h>

namespace mml::app {

// Fill colour of a page cell in the given state (dark or light theme).
ImU32 page_color(PageState s, bool light);
// One character that tells the state without colour ("D" dirty, "=" shared, ...).
const char* page_glyph(PageState s);
// A short legend line for the state ("dirty: written, not yet written back").
const char* page_meaning(PageState s);

// Colour of a mapping kind (file, anonymous, shared, heap, stack, library, vdso).
ImU32 kind_color(MappingKind k, bool light);

// UI accents.
ImU32 changed_bg(bool light);  // background of a value the last action changed
ImU32 selected_bg(bool light); // background of the selected line in text views
ImU32 error_text(bool light);  // errno results, signals, deaths
ImU32 ok_text(bool light);     // successful results
ImU32 muted_text(bool light);  // secondary text (pids, units)
ImU32 code_bg(bool light);     // background of C statements

// Text colour that reads on the given fill (black or white).
ImU32 contrast_text(ImU32 fill);

} // namespace mml::app
