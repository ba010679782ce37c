// The frame canvas (see canvas.hpp).
#include "render/canvas.hpp"
#include "render/reshape.hpp"

#include <glad/gl.h>
#if __has_include(<imgui_impl_opengl3.h>)
#include <imgui_impl_opengl3.h>
#else
#include <backends/imgui_impl_opengl3.h>
#endif
#include <xxhash.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <utility>

namespace mml::render {

namespace {

uint64_t mix(uint64_t h, const void* p, size_t n) {
    return XXH3_64bits_withSeed(p, n, h);
}

template <typename T> uint64_t mix(uint64_t h, const T& v) {
    return mix(h, &v, sizeof v);
}

// The two pixels that carry the frame code (GL coordinates: top-left and bottom-right).
void corners(int fb_w, int fb_h, int xy[2][2]) {
    xy[0][0] = 0;
    xy[0][1] = fb_h - 1;
    xy[1][0] = fb_w - 1;
    xy[1][1] = 0;
}

} // namespace

// The list's geometry (vertices, indices, commands) into sig.hash, and what each callback
// will draw into sig.callbacks.
void Canvas::hash_list(const ImDrawList& l, ImVec2 origin, ListSignature& sig) const {
    uint64_t h = mix(0, l.VtxBuffer.Data, static_cast<size_t>(l.VtxBuffer.size_in_bytes()));
    h = mix(h, l.IdxBuffer.Data, static_cast<size_t>(l.IdxBuffer.size_in_bytes()));
    for (const ImDrawCmd& c : l.CmdBuffer) { // field by field: the struct has padding
        const bool callback = c.UserCallback && c.UserCallback != ImDrawCallback_ResetRenderState;
        if (!callback) h = mix(h, c.ClipRect); // a callback's clip is in its own signature
        h = mix(h, c.TextureId);
        const unsigned offsets[3] = {c.VtxOffset, c.IdxOffset, c.ElemCount};
        h = mix(h, offsets);
        if (!callback) continue;
        CallbackSignature cs;
        cs.hash = frame_; // unknown callback: changed every frame
        for (const auto& [cb, hash] : hooks_)
            if (cb == c.UserCallback) cs = hash(c, origin);
        cs.clip = pixel_bounds(c.ClipRect, origin);
        sig.callbacks.push_back(cs);
    }
    sig.hash = h;
}

// Every pixel a list can touch: its vertices' bounding box within its clip rectangles (a
// top-level window's first clip rectangle is the whole screen), and its callbacks' clip
// rectangles.
PixelRect Canvas::list_bounds(const ImDrawList& l, ImVec2 origin) {
    PixelRect clips, callbacks;
    for (const ImDrawCmd& c : l.CmdBuffer) {
        if (c.UserCallback && c.UserCallback != ImDrawCallback_ResetRenderState)
            callbacks = unite(callbacks, pixel_bounds(c.ClipRect, origin));
        else if (c.ElemCount != 0)
            clips = unite(clips, pixel_bounds(c.ClipRect, origin));
    }
    if (l.VtxBuffer.Size == 0) return callbacks;
    ImVec4 box{FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    for (const ImDrawVert& v : l.VtxBuffer) {
        box.x = std::min(box.x, v.pos.x);
        box.y = std::min(box.y, v.pos.y);
        box.z = std::max(box.z, v.pos.x);
        box.w = std::max(box.w, v.pos.y);
    }
    return unite(intersect(pixel_bounds(box, origin), clips), callbacks);
}

namespace {

bool same_commands(const ImVector<ImDrawCmd>& a, const ImVector<ImDrawCmd>& b) {
    if (a.Size != b.Size) return false;
    for (int i = 0; i < a.Size; ++i) {
        const ImDrawCmd &x = a[i], &y = b[i];
        const bool callback = x.UserCallback && x.UserCallback != ImDrawCallback_ResetRenderState;
        if ((!callback && std::memcmp(&x.ClipRect, &y.ClipRect, sizeof x.ClipRect) != 0) ||
            x.TextureId != y.TextureId || x.VtxOffset != y.VtxOffset ||
            x.IdxOffset != y.IdxOffset || x.ElemCount != y.ElemCount ||
            x.UserCallback != y.UserCallback || x.UserCallbackData != y.UserCallbackData)
            return false;
    }
    return true;
}

ListBuffers buffers(const ImVector<ImDrawVert>& v, const ImVector<ImDrawIdx>& i,
                    const ImVector<ImDrawCmd>& c) {
    return {{v.Data, static_cast<size_t>(v.Size)},
            {i.Data, static_cast<size_t>(i.Size)},
            {c.Data, static_cast<size_t>(c.Size)}};
}

void grow(ImVec4& box, ImVec2 p) {
    box = {std::min(box.x, p.x), std::min(box.y, p.y), std::max(box.z, p.x), std::max(box.w, p.y)};
}

// Runs of consecutive triangles of `c` that use a changed vertex, each as one rectangle over
// where those triangles were and are (clipped to the command).
void changed_runs(const ImDrawList& l, const ImVector<ImDrawVert>& old, const ImDrawCmd& c,
                  const std::vector<uint8_t>& changed, ImVec2 origin, std::vector<PixelRect>& out) {
    const PixelRect clip = pixel_bounds(c.ClipRect, origin);
    ImVec4 run{FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    bool open = false;
    const auto close = [&] {
        if (open) out.push_back(intersect(pixel_bounds(run, origin), clip));
        run = {FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
        open = false;
    };
    for (unsigned t = 0; t + 2 < c.ElemCount; t += 3) {
        const unsigned v[3] = {c.VtxOffset + l.IdxBuffer[static_cast<int>(c.IdxOffset + t)],
                               c.VtxOffset + l.IdxBuffer[static_cast<int>(c.IdxOffset + t + 1)],
                               c.VtxOffset + l.IdxBuffer[static_cast<int>(c.IdxOffset + t + 2)]};
        if (!changed[v[0]] && !changed[v[1]] && !changed[v[2]]) {
            close();
            continue;
        }
        for (unsigned i : v) {
            grow(run, l.VtxBuffer[static_cast<int>(i)].pos);
            grow(run, old[static_cast<int>(i)].pos);
        }
        open = true;
    }
    close();
}

} // namespace

// With the list's copy from the last frame: when only vertices changed (same triangles and
// commands), which triangles they belong to (ListSignature::exact).
void Canvas::diff_with_copy(const ImDrawList& l, ImVec2 origin, ListSignature& sig) {
    constexpr size_t kMaxRuns = 8; // more: merged into as many (limit_rects)
    auto it = copies_.find(&l);
    if (it == copies_.end() || it->second.hash == sig.hash) return;
    const ListCopy& was = it->second;
    if (was.vtx.Size != l.VtxBuffer.Size || was.idx.Size != l.IdxBuffer.Size ||
        std::memcmp(was.idx.Data, l.IdxBuffer.Data,
                    static_cast<size_t>(l.IdxBuffer.size_in_bytes())) != 0 ||
        !same_commands(was.cmds, l.CmdBuffer)) {
        // Reshaped: triangles added or removed somewhere (render/reshape.hpp).
        sig.exact = reshaped_damage(buffers(was.vtx, was.idx, was.cmds),
                                    buffers(l.VtxBuffer, l.IdxBuffer, l.CmdBuffer), origin,
                                    kMaxRuns, sig.changed);
        return;
    }
    std::vector<uint8_t> changed(static_cast<size_t>(l.VtxBuffer.Size));
    for (int v = 0; v < l.VtxBuffer.Size; ++v)
        changed[static_cast<size_t>(v)] =
            std::memcmp(&l.VtxBuffer[v], &was.vtx[v], sizeof(ImDrawVert)) != 0;
    for (const ImDrawCmd& c : l.CmdBuffer)
        if (!c.UserCallback && c.ElemCount != 0)
            changed_runs(l, was.vtx, c, changed, origin, sig.changed);
    if (sig.changed.size() > kMaxRuns) {
        make_disjoint(sig.changed);
        if (sig.changed.size() <= DamageTracker::kMergeMax) {
            limit_rects(sig.changed, kMaxRuns); // values in a few rows: a few bands, not a box
        } else {
            PixelRect all;
            for (const PixelRect& r : sig.changed) all = unite(all, r);
            sig.changed.assign(1, all);
        }
    }
    sig.exact = true;
}

std::vector<ListSignature> Canvas::signatures(const ImDrawData& dd, const PixelRect& screen) {
    std::vector<ListSignature> out(static_cast<size_t>(dd.CmdListsCount));
    for (int n = 0; n < dd.CmdListsCount; ++n) {
        const ImDrawList& l = *dd.CmdLists[n];
        ListSignature& sig = out[static_cast<size_t>(n)];
        sig.key = &l;
        hash_list(l, dd.DisplayPos, sig);
        sig.bounds = intersect(list_bounds(l, dd.DisplayPos), screen);
        diff_with_copy(l, dd.DisplayPos, sig);
        ListCopy& copy = copies_[&l];
        copy.frame = frame_;
        if (copy.hash == sig.hash && copy.vtx.Size == l.VtxBuffer.Size) continue;
        copy.hash = sig.hash;
        copy.vtx = l.VtxBuffer;
        copy.idx = l.IdxBuffer;
        copy.cmds = l.CmdBuffer;
    }
    std::erase_if(copies_, [this](const auto& kv) { return kv.second.frame != frame_; });
    return out;
}

namespace {

uint32_t read_pixel(int x, int y) {
    unsigned char px[4] = {};
    glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
    return uint32_t{px[0]} | uint32_t{px[1]} << 8 | uint32_t{px[2]} << 16;
}

void bind_back_for_reading() {
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    glReadBuffer(GL_BACK);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
}

// `rgb` with the frame number's low 6 bits in the low 2 bits of red, green and blue: at most
// 3/255 off the colour that was drawn there.
uint32_t with_code(uint32_t rgb, uint64_t frame) {
    const uint32_t f = static_cast<uint32_t>(frame & 63);
    const uint32_t bits = (f & 3) | ((f >> 2) & 3) << 8 | ((f >> 4) & 3) << 16;
    return (rgb & ~0x030303u) | bits;
}

} // namespace

// How many frames behind the back buffer is (1: it holds the last frame), from the codes in
// its corners; 0 when no recent frame's codes are there.
int Canvas::back_buffer_age(int fb_w, int fb_h) const {
    int xy[2][2];
    corners(fb_w, fb_h, xy);
    bind_back_for_reading();
    const uint32_t got[2] = {read_pixel(xy[0][0], xy[0][1]), read_pixel(xy[1][0], xy[1][1])};
    for (int k = 1; k < kHistory; ++k) {
        if (static_cast<uint64_t>(k) >= shown_) break;
        const Past& p = past_[(shown_ - static_cast<uint64_t>(k)) % kHistory];
        if (p.valid && p.code[0] == got[0] && p.code[1] == got[1]) return k;
    }
    return 0;
}

void Canvas::draw_damage(ImDrawData* dd, const std::vector<PixelRect>& rects, int fb_h) {
    glClearColor(clear_.x, clear_.y, clear_.z, 1.0f);
    glEnable(GL_SCISSOR_TEST);
    for (const PixelRect& r : rects) {
        glScissor(r.x0, fb_h - r.y1, r.x1 - r.x0, r.y1 - r.y0);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    glDisable(GL_SCISSOR_TEST);
    merger_.merge(dd, rects);
    ImGui_ImplOpenGL3_RenderDrawData(dd);
}

void Canvas::draw_full(ImDrawData* dd) {
    glClearColor(clear_.x, clear_.y, clear_.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT); // unscissored: a memset in llvmpipe, not a shaded quad
    merger_.merge(dd);
    ImGui_ImplOpenGL3_RenderDrawData(dd);
}

namespace {

void read_back(std::vector<uint8_t>& px, int w, int h) {
    px.resize(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    glReadBuffer(GL_BACK);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
}

} // namespace

// The self-check: the frame as drawn in part, then the same frame drawn in full over it.
void Canvas::compare_with_full(ImDrawData* dd, const ImDrawData& original) {
    read_back(partial_, w_, h_);
    *dd = original;
    draw_full(dd);
    read_back(whole_, w_, h_);
    int xy[2][2];
    corners(w_, h_, xy);
    for (const auto& p : xy) { // the frame code's pixels differ by design
        const size_t at =
            (static_cast<size_t>(p[1]) * static_cast<size_t>(w_) + static_cast<size_t>(p[0])) * 4;
        std::copy_n(whole_.begin() + static_cast<std::ptrdiff_t>(at), 4,
                    partial_.begin() + static_cast<std::ptrdiff_t>(at));
    }
    uint64_t differ = 0;
    for (size_t i = 0; i < partial_.size(); i += 4)
        differ += std::memcmp(&partial_[i], &whole_[i], 3) != 0;
    ++checked_.frames;
    checked_.differed += differ > 0;
    checked_.max_pixels = std::max(checked_.max_pixels, differ);
}

// What changed since the frame the back buffer holds (`age` frames ago; 0: everything).
std::vector<PixelRect> Canvas::to_draw(int age, const PixelRect& screen) const {
    if (age == 0) return {screen};
    std::vector<PixelRect> rects;
    for (int k = 0; k < age; ++k) {
        const Past& p = past_[(shown_ - static_cast<uint64_t>(k)) % kHistory];
        rects.insert(rects.end(), p.damage.begin(), p.damage.end());
    }
    make_disjoint(rects);
    if (rects.size() > DamageTracker::kMergeMax) return {screen};
    limit_rects(rects, DamageTracker::kMaxRects);
    return rects;
}

bool Canvas::render(ImDrawData* dd, int fb_w, int fb_h, const ImVec4& clear, bool full) {
    ++frame_;
    stats_ = {};
    stats_.screen = int64_t{fb_w} * fb_h;
    drawn_ = false;
    drawn_rects_.clear();
    const PixelRect screen{0, 0, fb_w, fb_h};
    const bool unit_scale = dd->FramebufferScale.x == 1.0f && dd->FramebufferScale.y == 1.0f;
    const bool usable = unit_scale && DrawMerger::supported() && fb_w > 0 && fb_h > 0;
    full = full || full_ || !usable || fb_w != w_ || fb_h != h_ || clear.x != clear_.x ||
           clear.y != clear_.y || clear.z != clear_.z;
    full_ = false;
    w_ = fb_w;
    h_ = fb_h;
    clear_ = clear;
    std::vector<PixelRect> damage = damage_.update(signatures(*dd, screen), screen, full);
    if (damage.empty()) { // the window already shows this frame: nothing to present
        ++checked_.unchanged;
        return false;
    }
    drawn_ = true;
    ++shown_;
    Past& now = past_[shown_ % kHistory];
    now.valid = false;
    now.damage = std::move(damage);
    stats_.age = full ? 0 : back_buffer_age(fb_w, fb_h);
    const std::vector<PixelRect> rects = to_draw(stats_.age, screen);
    drawn_rects_ = rects;
    stats_.rects = static_cast<int>(rects.size());
    for (const PixelRect& r : rects) stats_.pixels += r.area();
    glViewport(0, 0, fb_w, fb_h);
    if (!usable) {
        draw_full(dd);
        full_ = true; // and no frame code: the next frame is drawn in full too
        return true;
    }
    const ImDrawData original = *dd;
    if (!rects.empty()) draw_damage(dd, rects, fb_h);
    if (check_ && stats_.pixels < stats_.screen) compare_with_full(dd, original);
    return true;
}

void Canvas::finish() {
    if (!drawn_ || full_ || w_ <= 0 || h_ <= 0) return;
    Past& now = past_[shown_ % kHistory];
    int xy[2][2];
    corners(w_, h_, xy);
    bind_back_for_reading();
    glEnable(GL_SCISSOR_TEST);
    for (int i = 0; i < 2; ++i) {
        now.code[i] = with_code(read_pixel(xy[i][0], xy[i][1]), shown_);
        glClearColor(static_cast<float>(now.code[i] & 255) / 255.0f,
                     static_cast<float>(now.code[i] >> 8 & 255) / 255.0f,
                     static_cast<float>(now.code[i] >> 16 & 255) / 255.0f, 1.0f);
        glScissor(xy[i][0], xy[i][1], 1, 1);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    glDisable(GL_SCISSOR_TEST);
    now.valid = true;
}

} // namespace mml::render
