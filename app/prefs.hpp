// Preferences saved between runs: $XDG_CONFIG_HOME/mmaplab/prefs.toml (or ~/.config/...).
// Loading never fails the app: a missing or broken file gives the defaults and a note.
#pragma once

#include "app_state.hpp"

#include <string>

namespace mml::app {

// The directory for mmaplab's config files ("" when neither XDG_CONFIG_HOME nor HOME is set).
std::string config_dir();
std::string prefs_path();

// Reads `path` into `out` (fields missing from the file keep their values). Returns false with
// a plain-words `error` when the file exists but cannot be parsed.
bool load_prefs(const std::string& path, Prefs& out, std::string* error = nullptr);
// Writes `p` to `path`, creating the directory. Returns false with `error` on failure.
bool save_prefs(const std::string& path, const Prefs& p, std::string* error = nullptr);

// Open state of a panel by name (`fallback` when the prefs do not mention it).
bool panel_open(const Prefs& p, const std::string& name, bool fallback);
void set_panel_open(Prefs& p, const std::string& name, bool open);

} // namespace mml::app
