// The Lab's checks before a request reaches a lab process: RAM, mappings, lab file sizes and
// where writes may go (see LabLimits and LabOptions::allow_outside_writes).
#include "lab.hpp"
#include "lab_guard.hpp"
#include "lab_proc.hpp"
#include "lab_sys.hpp"

#include <algorithm>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>

namespace mml {

namespace {

std::string foreign_shm_words(const std::string& name) {
    return fmt::format("refused: the shared memory object \"{}\" was not created by this lab; "
                       "mmaplab opens it only with O_RDONLY and never removes it unless writes "
                       "outside the lab are allowed (--allow-writes-outside-lab, or confirm it "
                       "in the window)",
                       name);
}

} // namespace

std::string Lab::refusal(Proc& p, const Request& q) {
    LabOptions o;
    {
        std::lock_guard lk(mu_);
        o.limits = opts_.limits;
        o.allow_outside_writes = opts_.allow_outside_writes;
    }
    switch (q.op) {
    case Op::Open:
    case Op::Unlink:
    case Op::ShmOpen:
    case Op::ShmUnlink:
    case Op::WriteFd:
    case Op::Ftruncate:
        return file_refusal(p, q, o);
    default:
        break;
    }
    guard::MemoryUse use = guard::memory_use(q);
    if (use.only_if_locked && !guard::has_locked_memory(p.info.pid)) use.bytes = 0;
    if (use.bytes > 0) {
        std::string why = guard::check_memory(use, o.limits.ram_share, guard::mem_available());
        if (!why.empty()) return why;
    }
    // munmap is never refused: it is how a process at the limit gets below it again (a hole
    // punched into a mapping still counts, as growth, after it ran).
    const int added = q.op == Op::Munmap ? 0 : guard::mappings_added(q);
    if (added == 0) return {};
    const int64_t limit = std::min(o.limits.max_mappings, max_map_count_ / 2);
    int64_t known = 0, growth = 0;
    {
        std::lock_guard lk(mu_);
        known = p.maps_known;
        growth = p.maps_growth;
    }
    // Counting is cheap for small processes; it happens only when the estimate gets close.
    if (known < 0 || known + growth + added > limit) {
        known = guard::count_mappings(p.info.pid);
        if (known < 0) return {}; // cannot tell: the kernel's own limit still applies
        std::lock_guard lk(mu_);
        p.maps_known = known;
        p.maps_growth = 0;
    }
    if (known + added > limit)
        return guard::mappings_refusal(p.info.pid, known, limit, max_map_count_);
    return {};
}

std::string Lab::file_refusal(Proc& p, const Request& q, const LabOptions& o) {
    const int flags = static_cast<int>(q.a[0]);
    const bool allow = o.allow_outside_writes;
    switch (q.op) {
    case Op::Open:
        return guard::check_open(q.text, flags, real_dir_, allow);
    case Op::Unlink:
        return guard::check_unlink(q.text, real_dir_, allow);
    case Op::ShmOpen:
    case Op::ShmUnlink: {
        if (std::string why = guard::check_shm_name(q.text); !why.empty()) return why;
        if (allow || (q.op == Op::ShmOpen && !guard::wants_write(flags))) return {};
        // O_CREAT | O_EXCL never opens an existing object: the kernel answers EEXIST.
        if (q.op == Op::ShmOpen && (flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) return {};
        const std::string file = labsys::shm_file(q.text);
        if (file.empty() || !labsys::exists(file)) return {};
        std::lock_guard lk(mu_);
        const bool ours =
            std::find(shm_created_.begin(), shm_created_.end(), q.text) != shm_created_.end();
        return ours ? std::string() : foreign_shm_words(q.text);
    }
    default:
        break;
    }
    const int fd = static_cast<int>(q.a[0]);
    if (q.op == Op::WriteFd && fd == kChannelFd)
        return fmt::format("refused: fd {} is the command channel of lab process {}; writing to "
                           "it would garble its conversation with mmaplab",
                           fd, p.info.pid);
    const std::string fd_path = fmt::format("/proc/{}/fd/{}", p.info.pid, fd);
    struct stat st {};
    if (fd < 0 || stat(fd_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    const auto cur = static_cast<uint64_t>(st.st_size);
    const uint64_t want = q.op == Op::Ftruncate ? q.a[1] : cur + q.data.size();
    const std::string what = q.op == Op::Ftruncate
                                 ? fmt::format("ftruncate to {}", guard::bytes_text(want))
                                 : fmt::format("write of {}", guard::bytes_text(q.data.size()));
    return guard::check_file_growth(what, cur, want, o.limits.max_file_bytes, o.limits.disk_share,
                                    guard::free_disk(fd_path));
}

void Lab::count_mappings(Proc& p, const Request& req, const Outcome& out) {
    const int added = guard::mappings_added(req);
    if (added == 0 || !out.delivered) return;
    std::lock_guard lk(mu_);
    p.maps_growth += added;
}

} // namespace mml
