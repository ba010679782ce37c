#version 330 core
// Page grid: one quad covering the panel rect, in ImGui pixel coordinates; no vertex buffer.
uniform mat4 u_proj;  // ImGui display -> clip space (as the ImGui backend's)
uniform vec4 u_rect;  // x0, y0, x1, y1 in ImGui pixels
out vec2 v_pos;       // ImGui pixels
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    v_pos = mix(u_rect.xy, u_rect.zw, corner);
    gl_Position = u_proj * vec4(v_pos, 0.0, 1.0);
}
