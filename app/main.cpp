// mmaplab's entry point: command-line commands, or the window (GLFW + OpenGL 3.3 core + Dear
// ImGui), following Dear ImGui's example_glfw_opengl3. Everything else lives in App.
#include "app.hpp"
#include "cli/cli.hpp"
#include "lab_stop.hpp"
#include "render/present.hpp"

#include <glad/gl.h> // before GLFW, which then adds no GL header of its own

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <imgui.h>
#if __has_include(<imgui_impl_glfw.h>)
#include <imgui_impl_glfw.h>
#else
#include <backends/imgui_impl_glfw.h>
#endif
#if __has_include(<imgui_impl_opengl3.h>)
#include <imgui_impl_opengl3.h>
#else
#include <backends/imgui_impl_opengl3.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

static void glfw_error_callback(int error, const char* description) {
    std::fprintf(stderr, "GLFW error %d: %s\n", error, description);
}

// Frames that change nothing are not presented, so the window system may ask for its content
// again (an uncovered window without a compositor): the next frame is then drawn in full.
static std::atomic<bool> g_exposed{false};
static void refresh_callback(GLFWwindow*) {
    g_exposed = true;
}

// Tests (MMAPLAB_TEST_RESIZE): the window shrinks at frame 60 and grows back at frame 120, as a
// user dragging its corner would (partial presents must follow a new size).
static void test_resize(GLFWwindow* window, uint64_t frame, int width, int height) {
    static const bool on = std::getenv("MMAPLAB_TEST_RESIZE") != nullptr;
    if (on && frame == 60) glfwSetWindowSize(window, width * 3 / 4, height * 3 / 4);
    if (on && frame == 120) glfwSetWindowSize(window, width, height);
}

// Partial presents pay off where a swap copies every pixel in software (render/present.hpp).
// MMAPLAB_PRESENT=swap or =part overrides.
static bool present_in_part() {
    const char* env = std::getenv("MMAPLAB_PRESENT");
    if (env) return std::strcmp(env, "part") == 0;
    const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    return renderer && (std::strstr(renderer, "llvmpipe") || std::strstr(renderer, "softpipe"));
}

int main(int argc, char** argv) {
    const auto main_t = std::chrono::steady_clock::now(); // --bench-frames: time to first frame
    mml::cli::GuiOptions gui;
    if (auto rc = mml::cli::dispatch(argc, argv, gui)) return *rc;
    // SIGHUP/SIGINT/SIGTERM (terminal closed, Ctrl-C, kill) close the window in order, so the
    // App's Lab kills and reaps its lab processes and removes its files before mmaplab dies.
    mml::stop::install();

    glfwSetErrorCallback(glfw_error_callback);
    if (!glfwInit()) {
        std::fprintf(stderr, "mmaplab: cannot open a window (is DISPLAY set?). The command "
                             "line works without one: mmaplab run, mmaplab inspect.\n");
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    int width = 1920, height = 1080;
    if (gui.width > 0 && gui.height > 0) { // export: exactly this size
        width = gui.width;
        height = gui.height;
        glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    } else if (const GLFWvidmode* mode = glfwGetVideoMode(glfwGetPrimaryMonitor())) {
        width = mode->width < width ? mode->width : width;
        height = mode->height < height ? mode->height : height;
    }
    GLFWwindow* window = glfwCreateWindow(width, height, "mmaplab", nullptr, nullptr);
    if (!window) {
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(
        gui.bench_frames > 0 || !gui.screenshot.empty() || !gui.export_dir.empty() ? 0 : 1);
    if (!gladLoadGL(glfwGetProcAddress)) {
        std::fprintf(stderr, "mmaplab: OpenGL 3.3 is not available\n");
        return 1;
    }

    auto presenter = std::make_unique<mml::render::Presenter>(window, present_in_part());
    const bool check_present = std::getenv("MMAPLAB_CANVAS_CHECK") != nullptr;

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    glfwSetWindowRefreshCallback(window, refresh_callback);
    ImGui_ImplOpenGL3_Init("#version 330 core");

    // Frames are paced to the monitor's refresh even where swaps do not wait (Xvfb, or vsync
    // off): a frame that changed nothing costs ~2 ms, and an idle window should not spin.
    // Benchmarks and scripted runs go as fast as they can.
    const bool paced = gui.bench_frames <= 0 && gui.screenshot.empty() && gui.export_dir.empty() &&
                       gui.quit_after_frames <= 0;
    const GLFWvidmode* mode = glfwGetVideoMode(glfwGetPrimaryMonitor());
    const auto frame_period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 /
                                      (mode && mode->refreshRate > 0 ? mode->refreshRate : 60)));
    int rc = 0;
    {
        mml::app::App app(window, gui);
        app.set_main_time(main_t);
        auto next_frame = std::chrono::steady_clock::now();
        uint64_t frame = 0;
        while (!glfwWindowShouldClose(window) && !app.should_quit() &&
               mml::stop::signal_received() == 0) {
            if (paced) {
                std::this_thread::sleep_until(next_frame);
                next_frame = std::max(next_frame + frame_period, std::chrono::steady_clock::now());
            }
            glfwPollEvents();
            app.prepare_frame(); // font atlas rebuilds happen between frames
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            app.frame();
            int fb_w = 0, fb_h = 0;
            glfwGetFramebufferSize(window, &fb_w, &fb_h);
            if (g_exposed.exchange(false)) app.invalidate();
            if (app.render(fb_w, fb_h)) {
                const bool copied = presenter->present(app.drawn(), fb_w, fb_h);
                if (check_present && copied) presenter->check(fb_w, fb_h);
            }
            app.swapped();
            test_resize(window, ++frame, width, height);
        }
        rc = app.exit_code();
    }
    if (check_present) {
        const mml::render::Presenter::Check& c = presenter->checked();
        std::printf("present check: partial=%d frames=%llu differed=%llu max_pixels=%llu\n",
                    presenter->partial() ? 1 : 0, static_cast<unsigned long long>(c.frames),
                    static_cast<unsigned long long>(c.differed),
                    static_cast<unsigned long long>(c.max_pixels));
    }

    presenter.reset(); // its X resources go before the display does
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    mml::stop::reraise();
    return rc;
}
