// Small OpenGL 3.3 helpers over glad: a shader program (compile and link with the error log)
// and an integer state texture (one texel per page) that is resized and re-uploaded on demand.
#pragma once

#include <glad/gl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mml::render {

// Loads the GL entry points through GLFW once (a no-op when the app already did).
bool ensure_gl_loaded();

class Program {
public:
    Program() = default;
    ~Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    // Compiles shaders/<vert> and shaders/<frag> and links them; false with log() on error.
    bool build(const char* vert, const char* frag);
    GLuint id() const { return id_; }
    GLint uniform(const char* name) const { return id_ ? glGetUniformLocation(id_, name) : -1; }
    const std::string& log() const { return log_; }

private:
    GLuint compile(GLenum type, const char* name);
    GLuint id_ = 0;
    std::string log_;
};

// A GL_RG8UI texture of `width` texels per row holding `count` two-byte texels.
class StateTexture {
public:
    StateTexture() = default;
    ~StateTexture();
    StateTexture(const StateTexture&) = delete;
    StateTexture& operator=(const StateTexture&) = delete;
    // Uploads count texels (2 bytes each: state, marks); reallocates only when it grows.
    // The same texels as last time are not uploaded again (and version() stays).
    void upload(const uint8_t* rg, uint32_t count);
    // Changes whenever the texels change: the frame canvas redraws grids by it.
    uint64_t version() const { return version_; }
    // Runs of texels [first, last] that differ between version() and since(); unknown (false)
    // after the first upload, a change of count, or changes in more than kMaxRuns places.
    using Run = std::pair<uint32_t, uint32_t>;
    bool runs_known() const { return runs_known_; }
    const std::vector<Run>& runs() const { return runs_; }
    uint64_t since() const { return since_; }
    static constexpr size_t kMaxRuns = 32;
    GLuint id() const { return id_; }
    int width() const { return kWidth; }
    uint32_t count() const { return count_; }
    static constexpr int kWidth = 1024;
    static constexpr uint32_t kMaxTexels = uint32_t{kWidth} * 16384; // 64 GiB of 4 KiB pages

private:
    GLuint id_ = 0;
    int rows_ = 0;
    uint32_t count_ = 0;
    uint64_t hash_ = 0, version_ = 0;
    std::vector<uint8_t> last_; // the texels of version_
    std::vector<Run> runs_;
    bool runs_known_ = false;
    uint64_t since_ = 0;
    void diff(const uint8_t* rg, uint32_t count);
    void send(const uint8_t* rg, uint32_t first_row, uint32_t count);
};

} // namespace mml::render
