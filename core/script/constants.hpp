// Named constants of the action language (PROT_*, MAP_*, O_*, MS_*, MADV_*, MREMAP_*, SIG*,
// NULL, MAP_FAILED, PAGE_SIZE): one table, values taken from the system headers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mml::script {

struct Constant {
    std::string_view name;
    int64_t value;
    bool pointer; // NULL, MAP_FAILED: a void * value
};

// Every constant known at build time (PAGE_SIZE is not in it: it is read at run time).
std::span<const Constant> constant_table();
// Looks a name up, PAGE_SIZE included (sysconf(_SC_PAGESIZE)). `type` is "int" or "void *".
bool constant_value(std::string_view name, int64_t& value, std::string* type = nullptr);
bool is_constant(std::string_view name);

} // namespace mml::script
