// The frame canvas: only what changed is drawn again. Each frame's draw lists are hashed
// (xxHash) and compared with the previous frame's (render/damage.hpp); the damaged rectangles
// are cleared and redrawn, clipped, in one merged upload, straight into the window's back
// buffer. That needs the back buffer to still hold an earlier frame, which OpenGL does not
// promise: every frame ends by writing a frame code into two corner pixels (the low two bits
// of each channel of what was drawn there: invisible), and the next frame reads them back. A code
// of a recent frame tells which frame the buffer holds (like EGL's buffer age), and the damage
// since that frame is drawn; anything else (a new or resized buffer, a driver that discards) draws
// it all. On llvmpipe a panel's pixels cost milliseconds to shade; an unchanged panel now costs
// only its ImGui build.
#pragma once

#include "render/damage.hpp"
#include "render/merge.hpp"

#include <imgui.h>

#include <array>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mml::render {

// What a user callback will draw (from its UserCallbackData): hash, and optionally a focus
// (see CallbackSignature; pixels relative to `origin`, the display's top-left), for callbacks
// whose output does not show in the vertices. Unregistered callbacks count as changed every
// frame. The canvas fills in the clip.
using CallbackHash = CallbackSignature (*)(const ImDrawCmd& cmd, ImVec2 origin);

class Canvas {
public:
    void hash_callbacks(ImDrawCallback cb, CallbackHash h) { hooks_.emplace_back(cb, h); }
    // Everything is drawn again next frame (the back buffer was drawn by someone else, or
    // textures the hashes cannot see were replaced).
    void invalidate() { full_ = true; }
    // Draws `dd` into the bound window framebuffer: only the damage unless `full` (or the back
    // buffer's content is not known). `clear` fills what is drawn first. False when nothing
    // changed since the last frame drawn: the window already shows it and the frame need not
    // be presented (no swap; the back buffer keeps what it held).
    bool render(ImDrawData* dd, int fb_w, int fb_h, const ImVec4& clear, bool full);
    // After everything else read the frame (a screenshot), before the swap: the frame code.
    void finish();

    // Self-check (tests): every frame drawn in part is drawn once more in full and the two
    // images compared, pixel for pixel (the frame-code corners aside).
    void set_check(bool on) { check_ = on; }
    struct Check {
        uint64_t frames = 0;     // partial frames compared
        uint64_t differed = 0;   // of which some pixel differed from the full redraw
        uint64_t max_pixels = 0; // most pixels that differed in one frame
        uint64_t unchanged = 0;  // frames not presented: nothing had changed
    };
    const Check& check() const { return checked_; }

    struct Stats {
        int rects = 0;      // damaged rectangles drawn this frame
        int64_t pixels = 0; // their area
        int64_t screen = 0; // the window's area
        int age = 0;        // frames the back buffer was behind (0: unknown, drawn in full)
    };
    const Stats& stats() const { return stats_; }
    // The rectangles this frame drew (top-left origin): what a partial present must show.
    const std::vector<PixelRect>& drawn() const { return drawn_rects_; }

private:
    static constexpr int kHistory = 4; // frames of damage kept (the oldest usable age)
    struct Past {
        uint32_t code[2] = {}; // what the corner pixels were set to
        bool valid = false;
        std::vector<PixelRect> damage; // drawn in that frame
    };
    // The last frame's copy of a list, to find which of its triangles changed.
    struct ListCopy {
        uint64_t hash = 0;
        ImVector<ImDrawVert> vtx;
        ImVector<ImDrawIdx> idx;
        ImVector<ImDrawCmd> cmds;
        uint64_t frame = 0; // last seen
    };
    std::vector<ListSignature> signatures(const ImDrawData& dd, const PixelRect& screen);
    void diff_with_copy(const ImDrawList& l, ImVec2 origin, ListSignature& sig);
    void hash_list(const ImDrawList& l, ImVec2 origin, ListSignature& sig) const;
    static PixelRect list_bounds(const ImDrawList& l, ImVec2 origin);
    int back_buffer_age(int fb_w, int fb_h) const;
    std::vector<PixelRect> to_draw(int age, const PixelRect& screen) const;
    void draw_damage(ImDrawData* dd, const std::vector<PixelRect>& rects, int fb_h);
    void draw_full(ImDrawData* dd);
    void compare_with_full(ImDrawData* dd, const ImDrawData& original);

    DamageTracker damage_;
    DrawMerger merger_;
    std::vector<std::pair<ImDrawCallback, CallbackHash>> hooks_;
    std::unordered_map<const void*, ListCopy> copies_;
    std::array<Past, kHistory> past_{};
    uint64_t frame_ = 0; // frames rendered (signatures, list copies)
    uint64_t shown_ = 0; // frames drawn and presented (the history, the frame codes)
    bool drawn_ = false; // this frame drew something
    std::vector<PixelRect> drawn_rects_;
    bool full_ = true;
    ImVec4 clear_;
    int w_ = 0, h_ = 0;
    Stats stats_;
    bool check_ = false;
    Check checked_;
    std::vector<uint8_t> partial_, whole_; // the self-check's two readbacks
};

} // namespace mml::render
