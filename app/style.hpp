// Fonts (Inter for the UI, JetBrains Mono for code and hex) rebuilt at the UI scale, and the
// dark and light themes. Sizes are chosen to read from the back of a lecture room.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>

namespace mml::app {

struct Fonts {
    ImFont* ui = nullptr;    // Inter Regular (the default font)
    ImFont* bold = nullptr;  // Inter SemiBold (headings)
    ImFont* mono = nullptr;  // JetBrains Mono (statements, /proc text, hex)
    ImFont* title = nullptr; // Inter SemiBold, large (welcome)
};

inline constexpr float kMinScale = 0.75f, kMaxScale = 2.5f;
float clamp_scale(float s);

class Style {
public:
    // Rebuilds the font atlas for UI scale `scale`, rasterised `raster` times larger (2 for
    // a 2x screenshot, with io.FontGlobalScale = 1/raster). Call between frames, after the
    // renderer backend is initialised (its font texture is replaced).
    void build_fonts(float scale, float raster = 1.0f);
    // Colours and sizes of the dark or light theme at `scale`.
    void apply_theme(bool light, float scale);
    const Fonts& fonts() const { return fonts_; }
    float built_scale() const { return scale_; }
    float built_raster() const { return raster_; }
    uint64_t font_builds() const { return builds_; }       // counts atlas rebuilds
    const std::string& font_note() const { return note_; } // which files were found

private:
    ImFont* add_font(const char* const* candidates, float px, bool merge_symbols);
    ImVector<ImWchar> ranges_;
    Fonts fonts_;
    float scale_ = 0, raster_ = 1;
    uint64_t builds_ = 0;
    bool uploaded_ = false; // an atlas was built before (the backend holds its texture)
    std::string note_;
};

} // namespace mml::app
