// Saving the window as PNG: the back buffer at window size, or one frame rendered into an
// offscreen framebuffer at 2x (fonts rasterised at 2x) for print and slides.
#pragma once

#include <string>

namespace mml::app {

// A screenshot in progress. At 2x the App rebuilds fonts at 2x before the frame, renders that
// frame into an offscreen framebuffer of twice the size, saves it, and rebuilds fonts at 1x.
struct ShotRequest {
    enum class Stage { None, Due, Rendering } stage = Stage::None;
    int scale = 1;
    std::string path;
};

// A fresh file name in the current directory: "mmaplab-20260101-120000[@2x].png".
std::string default_shot_path(int scale);

// Reads the current read framebuffer (w x h, bottom-up) and writes it top-down as PNG.
bool save_framebuffer_png(const std::string& path, int w, int h, std::string* error);

// An offscreen RGBA8 framebuffer for one 2x frame.
class Offscreen {
public:
    ~Offscreen();
    bool begin(int w, int h, std::string* error); // create and bind for drawing
    // Saves it as PNG, copies it (scaled) to the window's framebuffer, unbinds and frees it.
    bool end(const std::string& path, int window_w, int window_h, std::string* error);

private:
    void release();
    unsigned fbo_ = 0, color_ = 0;
    int w_ = 0, h_ = 0;
};

} // namespace mml::app
