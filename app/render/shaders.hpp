// Shader sources from shaders/*.glsl, embedded at build time by tools/embed_shaders.cmake.
#pragma once

namespace mml {

// The text of shaders/<name> (for example "page_grid.frag.glsl"), or nullptr when unknown.
const char* shader_source(const char* name);

} // namespace mml
