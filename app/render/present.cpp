// Presenting a frame (see present.hpp).
#include "render/present.hpp"

#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#define GLFW_EXPOSE_NATIVE_X11
#define GLFW_EXPOSE_NATIVE_GLX
#include <GLFW/glfw3native.h>
#include <X11/Xutil.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace mml::render {

Presenter::Presenter(GLFWwindow* window, bool allow) : window_(window) {
    // glXGetProcAddress answers for any name: the extension string decides.
    if (!allow || !glfwExtensionSupported("GLX_MESA_copy_sub_buffer")) return;
    display_ = glfwGetX11Display();
    drawable_ = glfwGetGLXWindow(window);
    if (!display_ || !drawable_) return;
    copy_ = reinterpret_cast<CopySubBuffer>(glfwGetProcAddress("glXCopySubBufferMESA"));
}

void Presenter::present(const std::vector<PixelRect>& rects, int fb_h) {
    if (!copy_) {
        glfwSwapBuffers(window_);
        return;
    }
    for (const PixelRect& r : rects) // GLX counts rows from the bottom
        if (!r.empty()) copy_(display_, drawable_, r.x0, fb_h - r.y1, r.x1 - r.x0, r.y1 - r.y0);
}

namespace {

int shift_of(unsigned long mask) {
    int shift = 0;
    while (mask && !((mask >> shift) & 1)) ++shift;
    return shift;
}

// Pixel (x, y) of `img`: 32-bit pixels read in place (XGetPixel is a call per pixel).
unsigned long pixel_at(XImage* img, int x, int y) {
    if (img->bits_per_pixel != 32) return XGetPixel(img, x, y);
    uint32_t v;
    std::memcpy(&v, img->data + static_cast<ptrdiff_t>(y) * img->bytes_per_line + x * 4, 4);
    return v;
}

} // namespace

void Presenter::check(int fb_w, int fb_h) {
    if (!copy_ || fb_w <= 0 || fb_h <= 0) return;
    auto* dpy = static_cast<Display*>(display_);
    XImage* img = XGetImage(dpy, glfwGetX11Window(window_), 0, 0, static_cast<unsigned>(fb_w),
                            static_cast<unsigned>(fb_h), AllPlanes, ZPixmap);
    if (!img) return;
    back_.resize(static_cast<size_t>(fb_w) * static_cast<size_t>(fb_h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, fb_w, fb_h, GL_RGBA, GL_UNSIGNED_BYTE, back_.data());
    const unsigned long masks[3] = {img->red_mask, img->green_mask, img->blue_mask};
    const int shifts[3] = {shift_of(masks[0]), shift_of(masks[1]), shift_of(masks[2])};
    uint64_t differ = 0;
    for (int y = 0; y < fb_h; ++y)
        for (int x = 0; x < fb_w; ++x) {
            const bool corner = (x == 0 && y == 0) || (x == fb_w - 1 && y == fb_h - 1);
            const unsigned long px = pixel_at(img, x, y);
            const uint8_t* b = &back_[(static_cast<size_t>(fb_h - 1 - y) * fb_w + x) * 4];
            bool same = true;
            for (int c = 0; c < 3; ++c) same = same && ((px & masks[c]) >> shifts[c]) == b[c];
            differ += !corner && !same;
        }
    XDestroyImage(img);
    ++checked_.frames;
    checked_.differed += differ != 0;
    checked_.max_pixels = std::max(checked_.max_pixels, differ);
}

} // namespace mml::render
