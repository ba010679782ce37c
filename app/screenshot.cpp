// PNG export with glReadPixels and stb_image_write (libstb), at window size or at 2x through
// an offscreen framebuffer.
#include "screenshot.hpp"

#include <glad/gl.h>
#include <stb_image_write.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <vector>

namespace mml::app {

std::string default_shot_path(int scale) {
    char buf[64];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "mmaplab-%Y%m%d-%H%M%S", &tm);
    return std::string(buf) + (scale > 1 ? "@2x.png" : ".png");
}

bool save_framebuffer_png(const std::string& path, int w, int h, std::string* error) {
    if (w <= 0 || h <= 0) {
        if (error) *error = "empty framebuffer";
        return false;
    }
    const size_t row = static_cast<size_t>(w) * 3;
    std::vector<uint8_t> px(row * static_cast<size_t>(h));
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
    std::vector<uint8_t> tmp(row);
    for (int y = 0; y < h / 2; ++y) { // GL rows are bottom-up; PNG rows top-down
        uint8_t* a = px.data() + static_cast<size_t>(y) * row;
        uint8_t* b = px.data() + static_cast<size_t>(h - 1 - y) * row;
        std::memcpy(tmp.data(), a, row);
        std::memcpy(a, b, row);
        std::memcpy(b, tmp.data(), row);
    }
    if (!stbi_write_png(path.c_str(), w, h, 3, px.data(), static_cast<int>(row))) {
        if (error) *error = "cannot write " + path;
        return false;
    }
    return true;
}

Offscreen::~Offscreen() {
    release();
}

void Offscreen::release() {
    if (fbo_) glDeleteFramebuffers(1, &fbo_);
    if (color_) glDeleteRenderbuffers(1, &color_);
    fbo_ = color_ = 0;
}

bool Offscreen::begin(int w, int h, std::string* error) {
    release();
    w_ = w;
    h_ = h;
    glGenRenderbuffers(1, &color_);
    glBindRenderbuffer(GL_RENDERBUFFER, color_);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, w, h);
    glGenFramebuffers(1, &fbo_);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color_);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        release();
        if (error) *error = "offscreen framebuffer not supported at this size";
        return false;
    }
    glViewport(0, 0, w, h);
    return true;
}

bool Offscreen::end(const std::string& path, int window_w, int window_h, std::string* error) {
    glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo_);
    const bool ok = save_framebuffer_png(path, w_, h_, error);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    glBlitFramebuffer(0, 0, w_, h_, 0, 0, window_w, window_h, GL_COLOR_BUFFER_BIT, GL_LINEAR);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    release();
    return ok;
}

} // namespace mml::app
