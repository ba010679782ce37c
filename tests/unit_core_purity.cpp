// Keeps core/ free of the GUI: fails if any file under core/ includes ImGui, GLFW, glad or GL.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// The header named by an #include line ("imgui.h" or <GL/gl.h> -> imgui.h, GL/gl.h), or "".
std::string included(const std::string& line) {
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos || line[i] != '#') return {};
    i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string::npos || line.compare(i, 7, "include") != 0) return {};
    size_t open = line.find_first_of("<\"", i + 7);
    if (open == std::string::npos) return {};
    size_t close = line.find_first_of(">\"", open + 1);
    return line.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
}

bool forbidden(std::string header) {
    for (char& c : header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* bad : {"imgui", "glfw", "glad", "gl/", "gles", "opengl"})
        if (header.find(bad) != std::string::npos) return true;
    return false;
}

} // namespace

TEST(CorePurity, IncludeParserSeesIncludes) {
    EXPECT_EQ(included("#include <imgui.h>"), "imgui.h");
    EXPECT_EQ(included("  #  include \"GL/gl.h\" // x"), "GL/gl.h");
    EXPECT_EQ(included("// #include <imgui.h> is not here"), "");
    EXPECT_TRUE(forbidden("GLFW/glfw3.h"));
    EXPECT_TRUE(forbidden("glad/gl.h"));
    EXPECT_TRUE(forbidden("GL/gl.h"));
    EXPECT_TRUE(forbidden("backends/imgui_impl_glfw.h"));
    EXPECT_FALSE(forbidden("fmt/core.h"));
    EXPECT_FALSE(forbidden("algorithm"));
}

TEST(CorePurity, CoreIncludesNoGuiHeaders) {
    const fs::path core = fs::path(MMAPLAB_SOURCE_DIR) / "core";
    ASSERT_TRUE(fs::is_directory(core)) << core;
    std::vector<std::string> offenders;
    size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(core)) {
        if (!entry.is_regular_file()) continue;
        ++files;
        std::ifstream in(entry.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            std::string h = included(line);
            if (!h.empty() && forbidden(h))
                offenders.push_back(entry.path().string() + ":" + std::to_string(n) + ": " + h);
        }
    }
    EXPECT_GT(files, 5u);
    for (const std::string& o : offenders) ADD_FAILURE() << "core/ includes a GUI header: " << o;
}
