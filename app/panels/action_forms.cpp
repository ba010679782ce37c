// The statement builders of the Actions panel and its range-based forms (munmap, mprotect,
// msync, madvise, reads and writes), which name their target through a pointer variable.
#include "panels/actions.hpp"

#include "panels/widgets.hpp"
#include "script/constants.hpp"

#include <imgui.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace mml::app {

namespace {

bool var_taken(const Context& ctx, const std::string& n) {
    if (ctx.variables)
        for (const Variable& v : *ctx.variables)
            if (v.name == n) return true;
    return false;
}

std::string fresh_var(const Context& ctx, const std::string& base) {
    if (!var_taken(ctx, base)) return base;
    for (int i = 2;; ++i)
        if (std::string n = base + std::to_string(i); !var_taken(ctx, n)) return n;
}

std::string join(const std::vector<std::string>& parts, const char* none) {
    if (parts.empty()) return none;
    std::string s;
    for (const std::string& p : parts) s += (s.empty() ? "" : " | ") + p;
    return s;
}

std::string prot_expr(bool r, bool w, bool x) {
    std::vector<std::string> v;
    if (r) v.push_back("PROT_READ");
    if (w) v.push_back("PROT_WRITE");
    if (x) v.push_back("PROT_EXEC");
    return join(v, "PROT_NONE");
}

uint64_t page_size(const Context& ctx) {
    return ctx.snap ? ctx.snap->caps.page_size : 4096;
}

// "16 * 4096", "4096", "0".
std::string pages_expr(const Context& ctx, int64_t n) {
    const std::string ps = std::to_string(page_size(ctx));
    if (n == 0) return "0";
    return n == 1 ? ps : std::to_string(n) + " * " + ps;
}

std::string addr_expr(const Context& ctx, const std::string& var, int first) {
    return first == 0 ? var : var + " + " + pages_expr(ctx, first);
}

bool is_pointer_var(const Variable& v) {
    return !v.type.empty() && v.type.back() == '*' && v.type.find("const") == std::string::npos;
}

} // namespace

std::string ActionsPanel::map_statement(const Context& ctx) const {
    std::vector<std::string> flags;
    for (const auto& [n, on] : map_.flags)
        if (on) flags.push_back(n);
    const std::string p = fresh_var(ctx, "p");
    const std::string len = pages_expr(ctx, map_.pages);
    const std::string prot = prot_expr(map_.prot_read, map_.prot_write, map_.prot_exec);
    if (map_.kind == 0)
        return "char *" + p + " = mmap(NULL, " + len + ", " + prot + ", " + join(flags, "0") +
               ", -1, 0);";
    const std::string fd = fresh_var(ctx, "fd");
    std::string s;
    if (map_.kind == 1)
        s = "int " + fd + " = open(\"" + map_.file + "\", " +
            (map_.read_only ? "O_RDONLY" : "O_RDWR") + " | O_CREAT, 0644);\n";
    else
        s = "int " + fd + " = shm_open(\"" + map_.shm + "\", O_RDWR | O_CREAT, 0600);\n";
    if (map_.set_size) s += "ftruncate(" + fd + ", " + pages_expr(ctx, map_.file_pages) + ");\n";
    const uint64_t ps = page_size(ctx);
    const uint64_t off = static_cast<uint64_t>(map_.offset);
    const std::string off_s = off && off % ps == 0 ? pages_expr(ctx, static_cast<int64_t>(off / ps))
                                                   : std::to_string(off);
    return s + "char *" + p + " = mmap(NULL, " + len + ", " + prot + ", " + join(flags, "0") +
           ", " + fd + ", " + off_s + ");";
}

bool ActionsPanel::resolve_var(const Context& ctx) {
    const Variable* last = nullptr;
    if (ctx.variables)
        for (const Variable& v : *ctx.variables)
            if (is_pointer_var(v)) {
                if (v.name == range_.var) return true;
                last = &v;
            }
    range_.var = last ? last->name : std::string();
    return last != nullptr;
}

void ActionsPanel::range_picker(Context& ctx, RangeForm& r) {
    std::vector<const Variable*> ptrs;
    if (ctx.variables)
        for (const Variable& v : *ctx.variables)
            if (is_pointer_var(v)) ptrs.push_back(&v);
    if (ptrs.empty()) {
        ImGui::TextWrapped("No mapping yet: map one in the Map tab (its address is kept in a "
                           "variable such as p).");
        return;
    }
    const auto it =
        std::find_if(ptrs.begin(), ptrs.end(), [&](auto* v) { return v->name == r.var; });
    const Variable* cur = it != ptrs.end() ? *it : ptrs.back();
    r.var = cur->name;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    if (ImGui::BeginCombo("pointer", r.var.c_str())) {
        for (const Variable* v : ptrs)
            if (ImGui::Selectable(v->name.c_str(), v == cur)) r.var = v->name;
        ImGui::EndCombo();
    }
    const Process* proc = selected_process(ctx);
    const Mapping* m = proc ? proc->mapping_at(static_cast<uint64_t>(cur->value)) : nullptr;
    const int total = m ? static_cast<int>(m->size() / page_size(ctx)) : 0;
    ImGui::SameLine();
    if (m)
        ImGui::TextDisabled("%s, %d pages, %s", addr_text(m->start).c_str(), total,
                            m->perms.c_str());
    else
        ImGui::TextDisabled("not mapped in %s", proc ? proc->name.c_str() : "this process");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputInt("first page", &r.first);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputInt("page count", &r.count);
    if (total > 0) {
        ImGui::SameLine();
        if (ImGui::SmallButton("all")) {
            r.first = 0;
            r.count = total;
        }
    }
    r.first = std::max(0, r.first);
    r.count = std::max(1, r.count);
}

std::string ActionsPanel::change_statement(const Context& ctx) const {
    const std::string a = addr_expr(ctx, range_.var, range_.first);
    const std::string len = pages_expr(ctx, range_.count);
    switch (change_op_) {
    case 0:
        return "munmap(" + a + ", " + len + ");";
    case 1:
        return "mprotect(" + a + ", " + len + ", " +
               prot_expr(prot_read_, prot_write_, prot_exec_) + ");";
    case 2: {
        std::vector<std::string> f;
        if (ms_sync_) f.push_back("MS_SYNC");
        if (ms_async_) f.push_back("MS_ASYNC");
        if (ms_invalidate_) f.push_back("MS_INVALIDATE");
        return "msync(" + a + ", " + len + ", " + join(f, "0") + ");";
    }
    default: {
        const std::string adv =
            advice_names_.empty() ? "MADV_DONTNEED" : advice_names_[static_cast<size_t>(advice_)];
        return "madvise(" + a + ", " + len + ", " + adv + ");";
    }
    }
}

void ActionsPanel::change_tab(Context& ctx) {
    if (advice_names_.empty())
        for (const script::Constant& c : script::constant_table())
            if (c.name.starts_with("MADV_") && c.name != "MADV_HWPOISON")
                advice_names_.emplace_back(c.name);
    const char* ops[] = {"munmap", "mprotect", "msync", "madvise"};
    for (int i = 0; i < 4; ++i) {
        if (i) ImGui::SameLine();
        ImGui::RadioButton(ops[i], &change_op_, i);
    }
    range_picker(ctx, range_);
    if (range_.var.empty()) return;
    if (change_op_ == 1) {
        ImGui::Checkbox("READ", &prot_read_);
        ImGui::SameLine();
        ImGui::Checkbox("WRITE", &prot_write_);
        ImGui::SameLine();
        ImGui::Checkbox("EXEC", &prot_exec_);
    } else if (change_op_ == 2) {
        ImGui::Checkbox("SYNC", &ms_sync_);
        ImGui::SameLine();
        ImGui::Checkbox("ASYNC", &ms_async_);
        ImGui::SameLine();
        ImGui::Checkbox("INVALIDATE", &ms_invalidate_);
    } else if (change_op_ == 3 && !advice_names_.empty()) {
        advice_ = std::clamp(advice_, 0, static_cast<int>(advice_names_.size()) - 1);
        ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 4);
        if (ImGui::BeginCombo("advice", advice_names_[static_cast<size_t>(advice_)].c_str())) {
            for (size_t i = 0; i < advice_names_.size(); ++i)
                if (ImGui::Selectable(advice_names_[i].c_str(), static_cast<int>(i) == advice_))
                    advice_ = static_cast<int>(i);
            ImGui::EndCombo();
        }
    }
}

std::string ActionsPanel::touch_statement(const Context& ctx) const {
    const std::string b = std::string("'") + (byte_[0] ? byte_[0] : 'A') + "'";
    if (range_.count == 1) {
        const std::string at = range_.var + "[" + pages_expr(ctx, range_.first) + "]";
        return touch_write_ ? at + " = " + b + ";"
                            : "char " + fresh_var(ctx, "c") + " = " + at + ";";
    }
    const std::string a = addr_expr(ctx, range_.var, range_.first);
    if (touch_write_) return "memset(" + a + ", " + b + ", " + pages_expr(ctx, range_.count) + ");";
    return "read_pages(" + a + ", " + std::to_string(range_.count) + ");";
}

void ActionsPanel::touch_tab(Context& ctx) {
    ImGui::RadioButton("write", &touch_write_, 1);
    ImGui::SameLine();
    ImGui::RadioButton("read", &touch_write_, 0);
    range_picker(ctx, range_);
    if (range_.var.empty()) return;
    if (touch_write_) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 3);
        ImGui::InputText("byte", byte_, sizeof byte_);
    }
}

} // namespace mml::app
