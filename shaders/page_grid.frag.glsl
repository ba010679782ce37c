#version 330 core
// Page grid: one cell per page; state (R) and marks (G) from an integer texture, one texel per
// page. Every state has a colour AND a pattern, so none is told by colour alone:
// not present = empty outline, zero page = dots, clean = plain, dirty = horizontal lines,
// swapped = dashed outline, shared = diagonal hatch, exclusive = plain + corner mark,
// unknown = checkerboard. Marks: 1 changed by the last action (ring), 2 exclusive (corner),
// 4 probable (sharing inferred, not counted: sparse hatch).
in vec2 v_pos;
out vec4 o_color;

uniform usampler2D u_states;
uniform int u_texw;       // texels per texture row
uniform int u_count;      // pages
uniform int u_cols;       // cells per grid row
uniform vec2 u_origin;    // top-left of cell 0, ImGui pixels
uniform vec2 u_cell;      // cell pitch (x, y), ImGui pixels
uniform float u_inset;    // extra margin inside each cell, ImGui pixels
uniform vec4 u_colors[8]; // fill per state
uniform vec4 u_ink;       // pattern ink (reads on every fill)
uniform vec4 u_edge;      // outlines of empty cells
uniform vec4 u_changed;   // ring of cells the last action changed
uniform vec4 u_select;    // selection tint
uniform ivec2 u_sel;      // selected range, first..last (-1 = none)
uniform int u_hover;      // hovered cell (-1 = none)

// 1 on a band of width w just inside the edge of a box whose distance field is d.
float ring(float d, float w, float aa) {
    return 1.0 - smoothstep(0.5 * w - aa, 0.5 * w + aa, abs(d + 0.5 * w));
}

float box(vec2 p, vec2 half_size, float r) {
    vec2 q = abs(p) - half_size + vec2(r);
    return length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - r;
}

// 1 on a line of width w (pixels) repeating every `pitch` pixels along coordinate t.
float lines(float t, float pitch, float w, float aa) {
    float d = abs(fract(t / pitch) - 0.5) * pitch;
    return 1.0 - smoothstep(w * 0.5 - aa, w * 0.5 + aa, d);
}

vec4 pattern(int state, vec4 fill, vec2 sp, float d, float cell, float aa) {
    float pitch = clamp(cell * 0.28, 4.0, 9.0);
    float thin = clamp(cell * 0.06, 1.0, 2.0);
    if (state == 0) { // not present: empty box with a thin outline
        float e = ring(d, thin * 1.3, aa);
        return cell < 5.0 ? vec4(fill.rgb, 0.55) : vec4(u_edge.rgb, e * u_edge.a);
    }
    if (state == 1) { // zero page: dots
        vec2 g = mod(sp, pitch) - 0.5 * pitch;
        float dotm = 1.0 - smoothstep(pitch * 0.16 - aa, pitch * 0.16 + aa, length(g));
        return mix(fill, u_ink, 0.55 * dotm);
    }
    if (state == 3) // dirty: horizontal lines
        return mix(fill, u_ink, 0.38 * lines(sp.y, pitch, thin, aa));
    if (state == 4) { // swapped: thick dashed outline around an empty centre
        float w = clamp(cell * 0.14, 1.5, 5.0);
        float dash = step(0.5, fract((sp.x + sp.y) / max(pitch, 6.0)));
        if (cell < 5.0) return vec4(fill.rgb, 1.0);
        return vec4(fill.rgb, max(ring(d, w, aa) * dash, 0.18));
    }
    if (state == 5) // shared: diagonal hatch
        return mix(fill, u_ink, 0.5 * lines(sp.x + sp.y, pitch * 1.2, thin * 1.4, aa));
    if (state == 7) { // unknown: fine checkerboard
        vec2 c = floor(sp / max(2.0, pitch * 0.5));
        return mix(fill, u_ink, 0.25 * mod(c.x + c.y, 2.0));
    }
    return fill; // clean, exclusive: plain
}

void main() {
    vec2 rel = (v_pos - u_origin) / u_cell;
    if (rel.x < 0.0 || rel.y < 0.0) discard;
    ivec2 cell = ivec2(floor(rel));
    if (cell.x >= u_cols) discard;
    int idx = cell.y * u_cols + cell.x;
    if (idx >= u_count) discard;
    uvec2 t = texelFetch(u_states, ivec2(idx % u_texw, idx / u_texw), 0).rg;
    int state = int(min(t.r, 7u));
    uint marks = t.g;

    float aa = 0.5 * max(fwidth(v_pos.x), 1e-3);
    float cs = min(u_cell.x, u_cell.y) - 2.0 * u_inset;
    float gap = cs >= 8.0 ? max(1.0, cs * 0.1) : (cs >= 3.0 ? 1.0 : 0.0);
    vec2 half_size = 0.5 * u_cell - vec2(0.5 * gap + u_inset);
    float r = cs >= 12.0 ? cs * 0.14 : 0.0;
    vec2 lp = (fract(rel) - 0.5) * u_cell; // pixels from the cell centre
    float d = box(lp, half_size, r);
    float inside = 1.0 - smoothstep(-aa, aa, d);
    if (inside <= 0.0) discard;

    vec2 sp = v_pos - u_origin; // patterns move with the grid
    vec4 c = pattern(state, u_colors[state], sp, d, cs, aa);
    if ((marks & 4u) != 0u && state == 5) // probable sharing: lighter, sparse hatch
        c = mix(c, u_colors[state], 0.4);
    if ((marks & 2u) != 0u && cs >= 8.0) { // exclusive: a corner triangle at the top right
        float k = (lp.x - lp.y) - (half_size.x + half_size.y) * 0.55;
        c = mix(c, u_ink, 0.7 * smoothstep(-aa, aa, k));
    }
    bool selected = idx >= u_sel.x && idx <= u_sel.y;
    if (selected) c = vec4(mix(c.rgb, u_select.rgb, 0.35), max(c.a, 0.6));
    if ((marks & 1u) != 0u) { // changed by the last action: a bright ring
        float w = cs >= 8.0 ? clamp(cs * 0.09, 1.5, 3.5) : 0.0;
        c = w > 0.0 ? mix(c, vec4(u_changed.rgb, 1.0), ring(d, w, aa)) : mix(c, u_changed, 0.6);
    }
    if (idx == u_hover) {
        c = mix(vec4(c.rgb * 1.15 + 0.05, c.a), vec4(u_ink.rgb, 1.0), ring(d, 2.0, aa));
    }
    o_color = vec4(c.rgb, c.a * inside);
}
