// One line per panel: its struct, name, title and initial place in a 1920x1080 layout
// (left: processes and actions; centre: the pictures; right: tables, text and events).
#include "panels/registry.hpp"

#include "panels/actions.hpp"
#include "panels/counters.hpp"
#include "panels/events.hpp"
#include "panels/lesson.hpp"
#include "panels/mappings.hpp"
#include "panels/pages.hpp"
#include "panels/preferences.hpp"
#include "panels/proc_text.hpp"
#include "panels/processes.hpp"
#if __has_include("panels/address_space.hpp")
#include "panels/address_space.hpp"
#define MML_HAVE_ADDRESS_SPACE 1
#endif
#if __has_include("panels/frames.hpp")
#include "panels/frames.hpp"
#define MML_HAVE_FRAMES 1
#endif
#if __has_include("panels/contents.hpp")
#include "panels/contents.hpp"
#define MML_HAVE_CONTENTS 1
#endif

namespace mml::app {

// Columns of the initial layout (fractions of the work area).
constexpr float kLeft = 0.24f, kRight = 0.62f, kRightMid = 0.81f;

std::vector<Panel> all_panels() {
    const float cw = kRight - kLeft, rw = 1.0f - kRight, half = kRightMid - kRight;
    std::vector<Panel> v;
    // Guided mode (closed until a lesson opens; it then takes the Actions panel's place).
    v.push_back(make_panel<LessonPanel>("lesson", "Lesson", {0, 0.20f, kLeft, 0.80f}));
    v.push_back(make_panel<ProcessesPanel>("processes", "Processes", {0, 0, kLeft, 0.20f}));
    v.push_back(make_panel<ActionsPanel>("actions", "Actions", {0, 0.20f, kLeft, 0.80f}));
#ifdef MML_HAVE_ADDRESS_SPACE
    v.push_back(
        make_panel<AddressSpacePanel>("address_space", "Address space", {kLeft, 0, cw, 0.20f}));
#endif
    v.push_back(make_panel<PagesPanel>("pages", "Pages", {kLeft, 0.20f, cw, 0.27f}));
#ifdef MML_HAVE_FRAMES
    v.push_back(make_panel<FramesPanel>("frames", "Frames", {kLeft, 0.47f, cw, 0.53f}));
#endif
    v.push_back(make_panel<MappingsPanel>("mappings", "Mappings", {kRight, 0, rw, 0.28f}));
#ifdef MML_HAVE_CONTENTS
    v.push_back(make_panel<ProcTextPanel>("proc", "/proc", {kRight, 0.28f, half, 0.30f}));
    v.push_back(make_panel<ContentsPanel>("contents", "Contents",
                                          {kRightMid, 0.28f, 1.0f - kRightMid, 0.30f}));
#else
    v.push_back(make_panel<ProcTextPanel>("proc", "/proc", {kRight, 0.28f, rw, 0.30f}));
#endif
    v.push_back(make_panel<EventsPanel>("events", "Events", {kRight, 0.58f, half, 0.42f}));
    v.push_back(make_panel<CountersPanel>("counters", "Counters",
                                          {kRightMid, 0.58f, 1.0f - kRightMid, 0.42f}));
    Panel prefs =
        make_panel<PreferencesPanel>("preferences", "Preferences", {0.28f, 0.16f, 0.38f, 0.58f});
    prefs.open = false; // View > Preferences
    v.push_back(std::move(prefs));
    return v;
}

} // namespace mml::app
