// OpenGL helpers: program build with readable error logs, and the page-state texture upload.
#include "render/gl.hpp"

#include "render/shaders.hpp"

#include <GLFW/glfw3.h>

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace mml::render {

bool ensure_gl_loaded() {
    if (glad_glCreateShader != nullptr) return true;
    return gladLoadGL(reinterpret_cast<GLADloadfunc>(glfwGetProcAddress)) != 0;
}

Program::~Program() {
    if (id_) glDeleteProgram(id_);
}

GLuint Program::compile(GLenum type, const char* name) {
    const char* src = shader_source(name);
    if (!src) {
        log_ += std::string("no embedded shader named ") + name + "\n";
        return 0;
    }
    GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, nullptr);
    glCompileShader(s);
    GLint ok = 0, len = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    glGetShaderiv(s, GL_INFO_LOG_LENGTH, &len);
    if (!ok) {
        std::vector<char> text(static_cast<size_t>(len > 1 ? len : 1));
        glGetShaderInfoLog(s, len, nullptr, text.data());
        log_ += std::string(name) + ": " + text.data() + "\n";
        glDeleteShader(s);
        return 0;
    }
    return s;
}

bool Program::build(const char* vert, const char* frag) {
    log_.clear();
    if (!ensure_gl_loaded()) {
        log_ = "OpenGL entry points could not be loaded";
        return false;
    }
    GLuint vs = compile(GL_VERTEX_SHADER, vert);
    GLuint fs = compile(GL_FRAGMENT_SHADER, frag);
    if (!vs || !fs) {
        if (vs) glDeleteShader(vs);
        if (fs) glDeleteShader(fs);
        return false;
    }
    GLuint p = glCreateProgram();
    glAttachShader(p, vs);
    glAttachShader(p, fs);
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0, len = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        glGetProgramiv(p, GL_INFO_LOG_LENGTH, &len);
        std::vector<char> text(static_cast<size_t>(len > 1 ? len : 1));
        glGetProgramInfoLog(p, len, nullptr, text.data());
        log_ += std::string("link ") + vert + " + " + frag + ": " + text.data();
        glDeleteProgram(p);
        return false;
    }
    if (id_) glDeleteProgram(id_);
    id_ = p;
    return true;
}

StateTexture::~StateTexture() {
    if (id_) glDeleteTextures(1, &id_);
}

// The runs of texels that differ from last_ (same count), merged across gaps of a few texels.
void StateTexture::diff(const uint8_t* rg, uint32_t count) {
    constexpr uint32_t kGap = 8, kBlock = 32; // texels
    runs_.clear();
    runs_known_ = last_.size() == size_t{count} * 2;
    for (uint32_t b = 0; runs_known_ && b < count; b += kBlock) {
        const uint32_t n = std::min(kBlock, count - b);
        if (std::memcmp(rg + size_t{b} * 2, last_.data() + size_t{b} * 2, size_t{n} * 2) == 0)
            continue;
        for (uint32_t i = b; i < b + n; ++i) {
            if (std::memcmp(rg + size_t{i} * 2, last_.data() + size_t{i} * 2, 2) == 0) continue;
            if (!runs_.empty() && i - runs_.back().second <= kGap)
                runs_.back().second = i;
            else
                runs_.emplace_back(i, i);
            if (runs_.size() > kMaxRuns) runs_known_ = false;
        }
    }
    if (!runs_known_) runs_.clear();
}

// glTexSubImage2D of `count` texels from row `first_row` on (full rows, then the tail).
void StateTexture::send(const uint8_t* rg, uint32_t first_row, uint32_t count) {
    const uint32_t skip = first_row * kWidth;
    const uint8_t* from = rg + size_t{skip} * 2;
    const int full = static_cast<int>((count - skip) / kWidth);
    if (full > 0)
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, static_cast<GLint>(first_row), kWidth, full,
                        GL_RG_INTEGER, GL_UNSIGNED_BYTE, from);
    const int tail = static_cast<int>((count - skip) % kWidth);
    if (tail > 0)
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, static_cast<GLint>(first_row) + full, tail, 1,
                        GL_RG_INTEGER, GL_UNSIGNED_BYTE, from + size_t(full) * kWidth * 2);
}

void StateTexture::upload(const uint8_t* rg, uint32_t count) {
    if (count > kMaxTexels) count = kMaxTexels;
    const uint64_t hash = XXH3_64bits(rg, size_t{count} * 2);
    if (id_ && count == count_ && hash == hash_) return;
    hash_ = hash;
    since_ = version_;
    ++version_;
    diff(rg, count);
    last_.assign(rg, rg + size_t{count} * 2);
    const int rows = static_cast<int>((count + kWidth - 1) / kWidth);
    GLint prev_tex = 0, prev_align = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &prev_tex);
    glGetIntegerv(GL_UNPACK_ALIGNMENT, &prev_align);
    if (!id_) glGenTextures(1, &id_);
    glBindTexture(GL_TEXTURE_2D, id_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    if (rows > rows_) {
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RG8UI, kWidth, rows, 0, GL_RG_INTEGER, GL_UNSIGNED_BYTE,
                     nullptr);
        rows_ = rows;
        runs_known_ = false;
        runs_.clear();
    }
    // Only the rows from the first changed texel to the last, when they are known.
    uint32_t first_row = 0, end = count;
    if (runs_known_ && !runs_.empty()) {
        first_row = runs_.front().first / kWidth;
        end = std::min(count, (runs_.back().second / kWidth + 1) * kWidth);
    }
    send(rg, first_row, end);
    count_ = count;
    glPixelStorei(GL_UNPACK_ALIGNMENT, prev_align);
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(prev_tex));
}

} // namespace mml::render
