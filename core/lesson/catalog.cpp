// Finding lessons: the built-in lessons directory (env MMAPLAB_LESSONS, else lessons/ near the
// executable), the files in it, lookup by name or number, and reading one file.
#include "lesson/lesson.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mml::lesson {

bool load_lesson(const std::string& path, Lesson& out, std::vector<LessonError>& errors) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        errors.push_back({path, 0, 0, "cannot open the lesson file"});
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    bool ok = parse_lesson(ss.str(), path, out, errors);
    out.name = fs::path(path).stem().string();
    return ok;
}

std::string lessons_dir() {
    if (const char* env = std::getenv("MMAPLAB_LESSONS"); env && *env) return env;
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    // Installed: <prefix>/bin/mmaplab with <prefix>/share/mmaplab/lessons; in the tree:
    // build-dir/mmaplab, build-dir/tests/x with lessons/ one or two levels up.
    fs::path dir = exe.parent_path();
    for (int up = 0; up < 4 && !dir.empty(); ++up) {
        for (const fs::path& cand : {dir / "lessons", dir / "share" / "mmaplab" / "lessons"})
            if (fs::is_directory(cand, ec) && !lesson_files(cand.string()).empty())
                return cand.string();
        if (dir == dir.root_path()) break;
        dir = dir.parent_path();
    }
    return {};
}

std::vector<std::string> lesson_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file(ec) && e.path().extension() == ".lesson")
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string find_lesson(const std::string& dir, const std::string& name) {
    std::error_code ec;
    if (name.find('/') != std::string::npos || name.ends_with(".lesson"))
        return fs::is_regular_file(name, ec) ? name : std::string{};
    bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
    for (const auto& f : lesson_files(dir)) {
        std::string stem = fs::path(f).stem().string();
        size_t dash = stem.find('-');
        std::string num = stem.substr(0, dash);
        std::string rest = dash == std::string::npos ? stem : stem.substr(dash + 1);
        if (stem == name || rest == name) return f;
        if (numeric && !num.empty() && std::all_of(num.begin(), num.end(), ::isdigit) &&
            std::stoi(num) == std::stoi(name))
            return f;
    }
    return {};
}

} // namespace mml::lesson
