// Preferences panel: limits with what each one protects, and the guarded outside-writes switch.
#include "panels/preferences.hpp"

#include <imgui.h>

#include <algorithm>

namespace mml::app {

namespace {

void hint(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

void percent(const char* label, double& share, const char* help) {
    int pct = static_cast<int>(share * 100.0 + 0.5);
    if (ImGui::SliderInt(label, &pct, 5, 90, "%d %%")) share = pct / 100.0;
    hint(help);
}

} // namespace

void PreferencesPanel::draw_limits(LabLimits& l) {
    ImGui::TextUnformatted("Limits");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("A request beyond a limit is refused with an explanation before it "
                        "reaches the kernel.");
    ImGui::PopTextWrapPos();
    ImGui::PushItemWidth(ImGui::GetFontSize() * 9);
    if (ImGui::InputInt("lab processes", &l.max_processes))
        l.max_processes = std::clamp(l.max_processes, 1, 512);
    hint("Live lab processes at once: a fork in a loop stops here.");
    percent("of available RAM", l.ram_share,
            "One request may populate, lock or write at most this share of MemAvailable "
            "(MAP_POPULATE, MAP_LOCKED, mlock, memset, write_pages). A lazy mmap is never "
            "refused: the kernel backs it only when it is touched.");
    int maps = static_cast<int>(l.max_mappings);
    if (ImGui::InputInt("mappings per process", &maps))
        l.max_mappings = std::clamp(maps, 16, 1 << 20);
    hint("Never more than half of vm.max_map_count either.");
    int mib = static_cast<int>(std::min<uint64_t>(l.max_file_bytes >> 20, 1 << 20));
    if (ImGui::InputInt("MiB per lab file", &mib))
        l.max_file_bytes = static_cast<uint64_t>(std::clamp(mib, 1, 1 << 20)) << 20;
    hint("ftruncate and write may grow a lab file to this size at most.");
    percent("of free disk per growth", l.disk_share,
            "One growth of a lab file may take at most this share of the free space.");
    ImGui::PopItemWidth();
    if (ImGui::Button("Defaults")) l = LabLimits{};
}

void PreferencesPanel::draw_outside_writes(Prefs& p) {
    ImGui::TextUnformatted("Files outside the lab");
    if (p.allow_outside_writes) {
        ImGui::TextWrapped("Lab processes may create, truncate, write and unlink files "
                           "anywhere you can write, for this session.");
        if (ImGui::Button("Stop allowing")) p.allow_outside_writes = false;
        return;
    }
    ImGui::TextWrapped("Lab files live in a private directory removed on exit. Files elsewhere "
                       "open read-only, so a writable MAP_SHARED mapping of them is refused.");
    if (ImGui::Button("Allow writes outside the lab...")) {
        confirm_open = true;
        ImGui::OpenPopup("Allow writes outside the lab?");
    }
    if (ImGui::BeginPopupModal("Allow writes outside the lab?", nullptr,
                               ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28);
        ImGui::TextWrapped("Lab processes will be able to create, truncate, write and unlink "
                           "files wherever you can write, and a MAP_SHARED mapping will change "
                           "the file itself. /proc, /sys and /dev stay read-only. This lasts "
                           "until mmaplab closes.");
        ImGui::PopTextWrapPos();
        if (ImGui::Button("Allow for this session")) {
            p.allow_outside_writes = true;
            confirm_open = false;
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel")) {
            confirm_open = false;
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
}

void PreferencesPanel::draw(Context& ctx) {
    draw_limits(ctx.prefs.limits);
    ImGui::Separator();
    draw_outside_writes(ctx.prefs);
}

} // namespace mml::app
