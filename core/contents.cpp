// read_contents: pagemap first, then /proc/PID/mem only for runs of present pages, then the
// backing file by pread. See contents.hpp for the contract.
#include "contents.hpp"
#include "fd.hpp"

#include "abi.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace mml {

namespace {

const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));

std::string proc_path(int pid, const char* what) {
    return "/proc/" + std::to_string(pid) + "/" + what;
}

bool read_pagemap(int pid, uint64_t first_page, uint64_t npages, std::vector<uint64_t>& entries,
                  std::string& note) {
    Fd fd(::open(proc_path(pid, "pagemap").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.ok()) {
        note = "cannot open pagemap: " + std::string(std::strerror(errno));
        return false;
    }
    entries.assign(npages, 0);
    const size_t bytes = npages * sizeof(uint64_t);
    ssize_t r = pread_all(fd.get(), entries.data(), bytes, first_page * sizeof(uint64_t));
    if (r != static_cast<ssize_t>(bytes)) {
        note = "cannot read pagemap: " + std::string(r < 0 ? std::strerror(errno) : "short read");
        return false;
    }
    return true;
}

// Copies the bytes of present pages from /proc/PID/mem, one pread per run of present pages.
bool read_present_bytes(int pid, uint64_t addr, uint64_t len, uint64_t first_page,
                        const std::vector<uint64_t>& entries, Contents& out) {
    Fd fd(::open(proc_path(pid, "mem").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.ok()) {
        out.note += "cannot open mem: " + std::string(std::strerror(errno)) + ". ";
        return false;
    }
    const uint64_t end = addr + len;
    size_t i = 0;
    while (i < entries.size()) {
        if (!abi::pm_present(entries[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < entries.size() && abi::pm_present(entries[j])) ++j;
        uint64_t a = std::max(addr, (first_page + i) * kPage);
        uint64_t b = std::min(end, (first_page + j) * kPage);
        ssize_t r = pread_all(fd.get(), out.mem.data() + (a - addr), b - a, a);
        if (r != static_cast<ssize_t>(b - a))
            out.note += "could not read all present bytes from mem. ";
        i = j;
    }
    return true;
}

void note_missing_pages(const std::vector<uint64_t>& entries, std::string& note) {
    size_t absent = 0, swapped = 0;
    for (uint64_t e : entries) {
        if (abi::pm_present(e)) continue;
        ++absent;
        if (abi::pm_swapped(e)) ++swapped;
    }
    if (absent == 0) return;
    note += std::to_string(absent) + " of " + std::to_string(entries.size()) +
            " pages not present - reading them would fault them in, so they are not read";
    if (swapped) note += " (" + std::to_string(swapped) + " in swap)";
    note += ". ";
}

bool has_backing_file(const Mapping& m) {
    MappingKind k = m.kind();
    return k == MappingKind::File || k == MappingKind::Library || k == MappingKind::Shm;
}

int open_backing(int pid, const Mapping& m, std::string& note) {
    char name[64];
    std::snprintf(name, sizeof name, "map_files/%llx-%llx",
                  static_cast<unsigned long long>(m.start), static_cast<unsigned long long>(m.end));
    int fd = ::open(proc_path(pid, name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) return fd;
    const std::string deleted = " (deleted)";
    if (m.path.size() >= deleted.size() &&
        m.path.compare(m.path.size() - deleted.size(), deleted.size(), deleted) == 0) {
        note += "the backing file was deleted and map_files is not readable. ";
        return -1;
    }
    fd = ::open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) note += "cannot open " + m.path + ": " + std::strerror(errno) + ". ";
    return fd;
}

void read_file_side(int pid, const Mapping& m, uint64_t addr, uint64_t len, Contents& out) {
    if (!has_backing_file(m)) return;
    Fd fd(open_backing(pid, m, out.note));
    if (!fd.ok()) return;
    out.file.assign(len, 0);
    const uint64_t off = m.offset + (addr - m.start);
    ssize_t r = pread_all(fd.get(), out.file.data(), len, off);
    if (r < 0) {
        out.note += "cannot read the backing file: " + std::string(std::strerror(errno)) + ". ";
        out.file.clear();
        return;
    }
    out.has_file = true;
    if (static_cast<uint64_t>(r) < len)
        out.note += "the file ends at offset " + std::to_string(off + static_cast<uint64_t>(r)) +
                    "; bytes past its end are shown as zeros. ";
}

} // namespace

bool read_contents(int pid, const Mapping& m, uint64_t addr, uint64_t len, Contents& out) {
    out = Contents{};
    const uint64_t lo = std::max(addr, m.start);
    const uint64_t hi = std::min(addr + len, m.end);
    if (len == 0 || lo >= hi) {
        out.note = "the range is outside the mapping";
        return false;
    }
    out.addr = lo;
    out.len = hi - lo;
    out.mem.assign(out.len, 0);
    const uint64_t first_page = lo / kPage;
    const uint64_t npages = (hi + kPage - 1) / kPage - first_page;
    std::vector<uint64_t> entries;
    if (!read_pagemap(pid, first_page, npages, entries, out.note)) return false;
    out.page_present.resize(npages);
    for (size_t i = 0; i < npages; ++i) out.page_present[i] = abi::pm_present(entries[i]);
    note_missing_pages(entries, out.note);
    bool any_present =
        std::any_of(entries.begin(), entries.end(), [](uint64_t e) { return abi::pm_present(e); });
    if (any_present && !read_present_bytes(pid, out.addr, out.len, first_page, entries, out))
        return false;
    read_file_side(pid, m, out.addr, out.len, out);
    return true;
}

} // namespace mml
