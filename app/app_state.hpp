// What every panel receives each frame: the latest Snapshot, the one before the last action,
// the selection, preferences, theme colours, and the way to submit Actions. Panels read
// this and push Actions; they never read /proc or talk to lab processes themselves.
#pragma once

#include "lab.hpp"
#include "model.hpp"

#include <cstdint>
#include <string>
#include <vector>

struct ImVec4;
struct ImFont;

namespace mml::app {

class LessonSession;
struct LessonView;

// Saved between runs (preferences file).
struct Prefs {
    float scale = 1.25f;    // UI scale (Ctrl+ / Ctrl-)
    bool light = false;     // light theme for projectors and print
    bool colorblind = true; // Okabe-Ito palette
    bool sampling = true;   // steady 10 Hz sampling
    LabLimits limits;       // shown and adjustable in Preferences, applied to the Lab
    // Session only (never saved): lab processes may write files outside the lab directory.
    // Set only after the confirmation in Preferences.
    bool allow_outside_writes = false;
    std::vector<std::pair<std::string, bool>> panels_open; // by panel name
    bool show_welcome = true; // the first-run welcome (Help > Welcome shows it again)
};

struct Selection {
    int pid = 0;             // selected lab process
    uint64_t mapping = 0;    // start address of the selected mapping, 0 = none
    int64_t page_first = -1; // selected page range within the mapping (-1 = none)
    int64_t page_last = -1;
    std::vector<int> compare; // processes shown side by side in Frames (empty = tree of pid)
};

// One line of the Events panel.
struct Event {
    uint64_t seq = 0;
    int pid = 0;
    std::string process;
    std::string statement; // C statement as run
    std::string result;    // result_text()
    bool is_error = false; // errno, fault, death or evaluation error
    bool is_signal = false;
    uint64_t minflt_delta = 0,
             majflt_delta = 0; // fault counters it moved (filled after the next snapshot)
};

// Page states the grid and the frames view colour (with a glyph/pattern each).
enum class PageState : uint8_t {
    NotPresent = 0,
    ZeroPage,
    Clean,
    Dirty,
    Swapped,
    Shared,    // mapcount > 1
    Exclusive, // present, exclusively mapped (anon) — drawn with a mark over clean/dirty
    Unknown,   // present, but PFN/flags unavailable
};
const char* to_string(PageState s);

// Where panels send Actions: statements of the action language, run off the frame loop;
// results land in the events and a new snapshot follows.
class ActionSink {
public:
    virtual ~ActionSink() = default;
    virtual void submit(const std::string& statement, int pid) = 0; // pid 0 = selected process
    virtual bool busy() const = 0;                                  // an action is running
    // A new root lab process (not a statement of the action language: the app starts it).
    virtual void spawn(const std::string& name) { (void)name; }
};

// A variable of the action language as the interpreter holds it (for forms and combos).
struct Variable {
    std::string name;
    std::string type; // "char *", "int", "pid_t"
    int64_t value = 0;
};

// A named screen rectangle (pixels, top-left origin), reported for tests (--layout-json).
struct LayoutRect {
    std::string name; // "panel.Pages", "pages.cell.3", ...
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// Per-frame context handed to every panel's draw().
struct Context {
    SnapshotPtr snap;   // latest (never null after start)
    SnapshotPtr before; // the snapshot taken just before the last action (may be null)
    Selection& sel;
    Prefs& prefs;
    std::vector<Event>& events;
    ActionSink& actions;
    // Added after the first contract (defaults keep older panels compiling):
    const std::vector<SnapshotPtr>* history = nullptr; // oldest first (Counters graphs)
    const std::vector<Variable>* variables = nullptr;  // action-language variables
    ImFont* mono = nullptr;                            // JetBrains Mono (hex, code, /proc)
    std::vector<LayoutRect>* layout = nullptr;         // non-null when tests asked for rectangles
    ImFont* bold = nullptr;                            // Inter SemiBold (headings)
    ImFont* title = nullptr;                           // Inter SemiBold, large
    LessonSession* lesson = nullptr;                   // the open lesson's controls (Lesson panel)
    const LessonView* lesson_view = nullptr;           // its state this frame (null: none open)
    bool presenter = false;                            // presenter mode: big controls
    bool capture = false;                              // exporting: no controls in the picture
};

} // namespace mml::app
