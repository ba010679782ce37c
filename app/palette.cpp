// Okabe-Ito colours (Okabe & Ito, "Color Universal Design") mapped to page states and mapping
// kinds, in a dark and a light variant; glyphs give every state a shape as well as a colour.
#include "palette.hpp"

namespace mml::app {

namespace {

constexpr ImU32 rgb(unsigned hex, unsigned alpha = 255) {
    return IM_COL32((hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff, alpha);
}

// The eight Okabe-Ito colours.
constexpr unsigned kOrange = 0xE69F00, kSky = 0x56B4E9, kGreen = 0x009E73, kYellow = 0xF0E442,
                   kBlue = 0x0072B2, kVermillion = 0xD55E00, kPurple = 0xCC79A7;

} // namespace

const char* to_string(PageState s) {
    switch (s) {
    case PageState::NotPresent:
        return "not present";
    case PageState::ZeroPage:
        return "zero page";
    case PageState::Clean:
        return "present, clean";
    case PageState::Dirty:
        return "present, dirty";
    case PageState::Swapped:
        return "swapped";
    case PageState::Shared:
        return "shared (mapcount > 1)";
    case PageState::Exclusive:
        return "exclusive";
    case PageState::Unknown:
        return "present (details need root)";
    }
    return "?";
}

ImU32 page_color(PageState s, bool light) {
    switch (s) {
    case PageState::NotPresent:
        return light ? rgb(0xE4E6EA) : rgb(0x2C313A);
    case PageState::ZeroPage:
        return light ? rgb(0xD9C82A) : rgb(kYellow);
    case PageState::Clean:
        return rgb(kSky);
    case PageState::Dirty:
        return rgb(kVermillion);
    case PageState::Swapped:
        return rgb(kPurple);
    case PageState::Shared:
        return rgb(kGreen);
    case PageState::Exclusive:
        return rgb(kBlue);
    case PageState::Unknown:
        return light ? rgb(0x9AA0A8) : rgb(0x8A9099);
    }
    return rgb(0x808080);
}

const char* page_glyph(PageState s) {
    switch (s) {
    case PageState::NotPresent:
        return ".";
    case PageState::ZeroPage:
        return "0";
    case PageState::Clean:
        return "C";
    case PageState::Dirty:
        return "D";
    case PageState::Swapped:
        return "~";
    case PageState::Shared:
        return "=";
    case PageState::Exclusive:
        return "E";
    case PageState::Unknown:
        return "?";
    }
    return "?";
}

const char* page_meaning(PageState s) {
    switch (s) {
    case PageState::NotPresent:
        return "no frame yet: never touched, or dropped";
    case PageState::ZeroPage:
        return "mapped to the kernel's shared zero page (read, never written)";
    case PageState::Clean:
        return "in a frame, same as its backing store";
    case PageState::Dirty:
        return "in a frame, written since it was read";
    case PageState::Swapped:
        return "moved out to swap";
    case PageState::Shared:
        return "one frame mapped more than once (mapcount > 1)";
    case PageState::Exclusive:
        return "in a frame mapped only here";
    case PageState::Unknown:
        return "in a frame; frame details need root";
    }
    return "";
}

ImU32 kind_color(MappingKind k, bool light) {
    switch (k) {
    case MappingKind::File:
        return rgb(kBlue);
    case MappingKind::Anonymous:
        return rgb(kOrange);
    case MappingKind::SharedAnon:
        return rgb(kGreen);
    case MappingKind::Shm:
        return rgb(kPurple);
    case MappingKind::Heap:
        return rgb(kVermillion);
    case MappingKind::Stack:
        return light ? rgb(0xC9B800) : rgb(kYellow);
    case MappingKind::Library:
        return rgb(kSky);
    case MappingKind::Vdso:
        return light ? rgb(0x8C8C8C) : rgb(0x9E9E9E);
    case MappingKind::Other:
        return light ? rgb(0xB0B0B0) : rgb(0x6E6E6E);
    }
    return rgb(0x808080);
}

ImU32 changed_bg(bool light) {
    return light ? rgb(kOrange, 90) : rgb(kOrange, 80);
}
ImU32 selected_bg(bool light) {
    return light ? rgb(kSky, 110) : rgb(kBlue, 150);
}
ImU32 error_text(bool light) {
    return light ? rgb(0xB34700) : rgb(0xFF8A3D);
}
ImU32 ok_text(bool light) {
    return light ? rgb(0x00704F) : rgb(0x4FD1A5);
}
ImU32 muted_text(bool light) {
    return light ? rgb(0x6B7078) : rgb(0x9AA1AB);
}
ImU32 code_bg(bool light) {
    return light ? rgb(0xF1F3F6) : rgb(0x1A1E24);
}

ImU32 contrast_text(ImU32 fill) {
    const float r = static_cast<float>((fill >> IM_COL32_R_SHIFT) & 0xff);
    const float g = static_cast<float>((fill >> IM_COL32_G_SHIFT) & 0xff);
    const float b = static_cast<float>((fill >> IM_COL32_B_SHIFT) & 0xff);
    const float luma = 0.2126f * r + 0.7152f * g + 0.0722f * b;
    return luma > 140.0f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
}

} // namespace mml::app
