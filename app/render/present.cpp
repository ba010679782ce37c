// Presenting a frame (see present.hpp).
#include "render/present.hpp"

#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#define GLFW_EXPOSE_NATIVE_X11
#define GLFW_EXPOSE_NATIVE_GLX
#include <GLFW/glfw3native.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>

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

bool Presenter::present(const std::vector<PixelRect>& rects, int fb_w, int fb_h) {
    if (!copy_ || fb_w != w_ || fb_h != h_) {
        glfwSwapBuffers(window_);
        w_ = fb_w;
        h_ = fb_h;
        return false;
    }
    for (const PixelRect& r : rects) // GLX counts rows from the bottom
        if (!r.empty()) copy_(display_, drawable_, r.x0, fb_h - r.y1, r.x1 - r.x0, r.y1 - r.y0);
    return true;
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

// A window-sized image the X server fills through shared memory: XGetImage would send 8 MB
// through the socket per check, which stalls every other client of a shared Xvfb (the GUI
// tests run in parallel).
class Presenter::Grab {
public:
    Grab(Display* dpy, int w, int h) : dpy_(dpy), w_(w), h_(h) {
        if (!XShmQueryExtension(dpy)) return;
        const int screen = DefaultScreen(dpy);
        img_ = XShmCreateImage(dpy, DefaultVisual(dpy, screen),
                               static_cast<unsigned>(DefaultDepth(dpy, screen)), ZPixmap, nullptr,
                               &info_, static_cast<unsigned>(w), static_cast<unsigned>(h));
        if (!img_) return;
        info_.shmid =
            shmget(IPC_PRIVATE, static_cast<size_t>(img_->bytes_per_line) * h, IPC_CREAT | 0600);
        info_.shmaddr = img_->data = static_cast<char*>(shmat(info_.shmid, nullptr, 0));
        shmctl(info_.shmid, IPC_RMID, nullptr); // gone once both sides detach
        info_.readOnly = False;
        attached_ = info_.shmaddr != reinterpret_cast<char*>(-1) && XShmAttach(dpy, &info_);
        XSync(dpy, False);
    }
    ~Grab() {
        if (attached_) XShmDetach(dpy_, &info_);
        if (img_) {
            if (info_.shmaddr && info_.shmaddr != reinterpret_cast<char*>(-1)) shmdt(info_.shmaddr);
            img_->data = nullptr;
            XDestroyImage(img_);
        }
    }
    Grab(const Grab&) = delete;
    Grab& operator=(const Grab&) = delete;
    bool fits(int w, int h) const { return w == w_ && h == h_; }
    // The window's pixels (nullptr when shared memory does not work here).
    XImage* read(Window win) {
        return attached_ && XShmGetImage(dpy_, win, img_, 0, 0, AllPlanes) ? img_ : nullptr;
    }

private:
    Display* dpy_;
    int w_, h_;
    XShmSegmentInfo info_{};
    XImage* img_ = nullptr;
    bool attached_ = false;
};

Presenter::~Presenter() = default;

void Presenter::check(int fb_w, int fb_h) {
    if (!copy_ || fb_w <= 0 || fb_h <= 0) return;
    auto* dpy = static_cast<Display*>(display_);
    if (!grab_ || !grab_->fits(fb_w, fb_h)) grab_ = std::make_unique<Grab>(dpy, fb_w, fb_h);
    XImage* img = grab_->read(glfwGetX11Window(window_));
    XImage* own = img ? nullptr
                      : XGetImage(dpy, glfwGetX11Window(window_), 0, 0, static_cast<unsigned>(fb_w),
                                  static_cast<unsigned>(fb_h), AllPlanes, ZPixmap);
    if (own) img = own;
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
    if (own) XDestroyImage(own);
    ++checked_.frames;
    checked_.differed += differ != 0;
    checked_.max_pixels = std::max(checked_.max_pixels, differ);
}

} // namespace mml::render
