// Preferences as TOML through toml++ (used header-only here, so no library to link).
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include "prefs.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace mml::app {

std::string config_dir() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/mmaplab";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/mmaplab";
    return {};
}

std::string prefs_path() {
    const std::string d = config_dir();
    return d.empty() ? std::string() : d + "/prefs.toml";
}

bool load_prefs(const std::string& path, Prefs& out, std::string* error) {
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec)) return true;
    toml::parse_result res = toml::parse_file(path);
    if (!res) {
        if (error)
            *error = path + ": " + std::string(res.error().description()) + " (defaults used)";
        return false;
    }
    const toml::table& t = res.table();
    out.scale = t["scale"].value_or(out.scale);
    out.light = t["light"].value_or(out.light);
    out.colorblind = t["colorblind"].value_or(out.colorblind);
    out.sampling = t["sampling"].value_or(out.sampling);
    LabLimits& l = out.limits;
    l.max_processes = t["max_processes"].value_or(l.max_processes);
    l.ram_share = t["ram_share"].value_or(l.ram_share);
    l.max_mappings = t["max_mappings"].value_or(l.max_mappings);
    l.max_file_bytes = static_cast<uint64_t>(
                           t["max_file_mib"].value_or(static_cast<int64_t>(l.max_file_bytes >> 20)))
                       << 20;
    l.disk_share = t["disk_share"].value_or(l.disk_share);
    out.show_welcome = t["show_welcome"].value_or(out.show_welcome);
    if (const toml::table* panels = t["panels"].as_table())
        for (const auto& [key, node] : *panels)
            if (auto b = node.value<bool>()) set_panel_open(out, std::string(key.str()), *b);
    return true;
}

bool save_prefs(const std::string& path, const Prefs& p, std::string* error) {
    if (path.empty()) {
        if (error) *error = "no config directory (HOME is not set)";
        return false;
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    toml::table panels;
    for (const auto& [name, open] : p.panels_open) panels.insert_or_assign(name, open);
    toml::table t{{"scale", static_cast<double>(p.scale)},
                  {"light", p.light},
                  {"colorblind", p.colorblind},
                  {"sampling", p.sampling},
                  {"max_processes", p.limits.max_processes},
                  {"ram_share", p.limits.ram_share},
                  {"max_mappings", p.limits.max_mappings},
                  {"max_file_mib", static_cast<int64_t>(p.limits.max_file_bytes >> 20)},
                  {"disk_share", p.limits.disk_share},
                  {"show_welcome", p.show_welcome},
                  {"panels", std::move(panels)}};
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << "# mmaplab preferences (written by the app; edit while it is closed)\n" << t << "\n";
        if (!f) {
            if (error) *error = "cannot write " + tmp;
            return false;
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec && error) *error = "cannot replace " + path + ": " + ec.message();
    return !ec;
}

bool panel_open(const Prefs& p, const std::string& name, bool fallback) {
    for (const auto& [n, open] : p.panels_open)
        if (n == name) return open;
    return fallback;
}

void set_panel_open(Prefs& p, const std::string& name, bool open) {
    for (auto& [n, o] : p.panels_open)
        if (n == name) {
            o = open;
            return;
        }
    p.panels_open.emplace_back(name, open);
}

} // namespace mml::app
