// Presenting a frame. The canvas (render/canvas.hpp) draws only what changed into the back
// buffer; a swap then still hands the window system the whole frame. On a software renderer
// (Mesa's llvmpipe, as in virtual machines and under Xvfb) that is a copy of every pixel, about
// 8 MB at 1920x1080, on the main thread. Where GLX offers GLX_MESA_copy_sub_buffer, only the
// rectangles drawn are copied to the window, and the back buffer keeps the frame as it is,
// so the next frame's damage is again one frame's worth. Elsewhere: glfwSwapBuffers.
#pragma once

#include "render/damage.hpp"

#include <cstdint>
#include <memory>
#include <vector>

struct GLFWwindow;

namespace mml::render {

class Presenter {
public:
    // `allow`: false keeps to swaps (MMAPLAB_PRESENT=swap, or a hardware driver, where a swap
    // costs nothing and copies may tear).
    Presenter(GLFWwindow* window, bool allow);
    ~Presenter();
    Presenter(const Presenter&) = delete;
    Presenter& operator=(const Presenter&) = delete;
    bool partial() const { return copy_ != nullptr; }
    // Shows `rects` (top-left origin, pixels) of the back buffer, fb_w x fb_h; with swaps, all.
    // A new size is presented with a swap: only a swap makes Mesa's software winsys look at
    // the window's size again (a copy would keep the old back buffer, offset by the change).
    // True when it copied (the back buffer still holds what the window shows).
    bool present(const std::vector<PixelRect>& rects, int fb_w, int fb_h);

    // Self-check (tests, MMAPLAB_CANVAS_CHECK): after a partial present, what the window shows
    // is read back from the X server and compared with the back buffer, pixel for pixel (the
    // canvas's frame-code corners aside).
    struct Check {
        uint64_t frames = 0, differed = 0, max_pixels = 0;
    };
    void check(int fb_w, int fb_h);
    const Check& checked() const { return checked_; }

private:
    using CopySubBuffer = void (*)(void* display, unsigned long drawable, int x, int y, int w,
                                   int h);
    GLFWwindow* window_;
    CopySubBuffer copy_ = nullptr;
    void* display_ = nullptr;
    unsigned long drawable_ = 0;
    int w_ = 0, h_ = 0; // the size last presented
    Check checked_;
    std::vector<uint8_t> back_;
    class Grab; // the window's pixels from the X server (MIT-SHM where it works)
    std::unique_ptr<Grab> grab_;
};

} // namespace mml::render
