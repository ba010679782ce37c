// The pure page classifier: every combination the kernel can report, with root (PFNs and
// kpage*) and without, and the honesty of its guesses.
#include "abi.hpp"
#include "page_class.hpp"

#include <gtest/gtest.h>

namespace {

using mml::ClassifyEnv;
using mml::DirtySource;
using mml::Know;
using mml::MappingTraits;
using mml::Page;
using mml::PageBase;

constexpr uint64_t bit(int b) {
    return uint64_t{1} << b;
}
constexpr uint64_t kPresent = bit(mml::abi::kPmPresentBit);
constexpr uint64_t kExcl = bit(mml::abi::kPmExclusiveBit);
constexpr uint64_t kFile = bit(mml::abi::kPmFileSharedBit);
constexpr uint64_t kSwap = bit(mml::abi::kPmSwappedBit);
constexpr uint64_t kMmap = bit(11); // KPF_MMAP: every mapped page has it

Page page(uint64_t entry, uint64_t kflags = 0, uint32_t mapcount = 0) {
    Page p;
    p.entry = entry;
    p.kflags = kflags;
    p.mapcount = mapcount;
    return p;
}

const MappingTraits kAnonPriv{true, false, false};
const MappingTraits kFilePriv{true, true, false};
const MappingTraits kFileShared{false, true, false};
const ClassifyEnv kRoot{true, true, 0x777};
const ClassifyEnv kUser{false, false, 0};

TEST(PageClass, NotPresentAndSwapped) {
    EXPECT_EQ(classify_page(page(0), kAnonPriv, kRoot).base, PageBase::NotPresent);
    auto s = classify_page(page(kSwap | 0x1234), kAnonPriv, kRoot);
    EXPECT_EQ(s.base, PageBase::Swapped);
    EXPECT_EQ(s.dirty, Know::Unknown);
}

TEST(PageClass, ZeroPageByFlagOrPfn) {
    auto byflag = classify_page(page(kPresent | 0x999, kMmap | bit(mml::abi::kKpfZeroPage), 0),
                                kAnonPriv, kRoot);
    EXPECT_EQ(byflag.base, PageBase::ZeroPage);
    EXPECT_EQ(byflag.dirty, Know::No);
    auto bypfn = classify_page(page(kPresent | 0x777), kAnonPriv, kRoot); // flags not read
    EXPECT_EQ(bypfn.base, PageBase::ZeroPage);
    EXPECT_EQ(bypfn.pfn, 0x777u);
}

TEST(PageClass, AfterForkSharedByMapcount) {
    uint64_t anon = kMmap | bit(mml::abi::kKpfAnon);
    auto c = classify_page(page(kPresent | 0x100, anon, 2), kAnonPriv, kRoot);
    EXPECT_EQ(c.base, PageBase::Present);
    EXPECT_EQ(c.shared, Know::Yes);
    EXPECT_FALSE(c.shared_guess);
    EXPECT_EQ(c.mapcount, 2u);
    EXPECT_EQ(c.dirty, Know::Yes);
    EXPECT_EQ(c.dirty_src, DirtySource::AnonWrite);
    auto w = classify_page(page(kPresent | kExcl | 0x101, anon, 1), kAnonPriv, kRoot);
    EXPECT_EQ(w.shared, Know::No);
    EXPECT_EQ(w.exclusive, Know::Yes);
    EXPECT_EQ(w.pfn, 0x101u);
}

TEST(PageClass, FilePagesCleanDirtyAndCowCopies) {
    auto clean = classify_page(page(kPresent | kFile | kExcl | 0x5, kMmap, 1), kFileShared, kRoot);
    EXPECT_EQ(clean.dirty, Know::No);
    auto dirty =
        classify_page(page(kPresent | kFile | kExcl | 0x5, kMmap | bit(mml::abi::kKpfDirty), 1),
                      kFileShared, kRoot);
    EXPECT_EQ(dirty.dirty, Know::Yes);
    EXPECT_EQ(dirty.dirty_src, DirtySource::KpfDirty);
    auto copy = classify_page(page(kPresent | kExcl | 0x6, kMmap | bit(mml::abi::kKpfAnon), 1),
                              kFilePriv, kRoot);
    EXPECT_EQ(copy.dirty_src, DirtySource::CowCopy);
}

TEST(PageClass, WithoutRootSaysWhatItGuesses) {
    auto excl = classify_page(page(kPresent | kExcl), kAnonPriv, kUser);
    EXPECT_EQ(excl.pfn, 0u);
    EXPECT_FALSE(excl.kpage_read);
    EXPECT_EQ(excl.shared, Know::No);
    EXPECT_EQ(excl.dirty, Know::Yes);
    auto notex = classify_page(page(kPresent), kAnonPriv, kUser);
    EXPECT_EQ(notex.shared, Know::Yes);
    EXPECT_TRUE(notex.shared_guess);
    EXPECT_EQ(notex.dirty, Know::Unknown);
    EXPECT_NE(mml::explain(notex).find("probably shared"), std::string::npos);
    auto fileshared = classify_page(page(kPresent | kFile), kFileShared, kUser);
    EXPECT_EQ(fileshared.shared, Know::Yes);
    EXPECT_FALSE(fileshared.shared_guess);
    EXPECT_EQ(fileshared.dirty, Know::Unknown);
    EXPECT_NE(mml::explain(fileshared).find("unknown"), std::string::npos);
    auto privfile = classify_page(page(kPresent | kFile | kExcl), kFilePriv, kUser);
    EXPECT_EQ(privfile.dirty, Know::No);
    EXPECT_EQ(privfile.dirty_src, DirtySource::FileClean);
}

TEST(PageClass, UnreadKpageFallsBackToPagemap) {
    // Root, but the sampler skipped kpage* for this page (flags 0): the exclusive bit decides.
    auto c = classify_page(page(kPresent | kExcl | 0x42), kAnonPriv, kRoot);
    EXPECT_FALSE(c.kpage_read);
    EXPECT_EQ(c.shared, Know::No);
    EXPECT_EQ(c.pfn, 0x42u);
}

TEST(PageClass, TraitsFromMapping) {
    mml::Mapping m;
    m.perms = "rw-s";
    m.path = "/tmp/f";
    auto t = MappingTraits::of(m);
    EXPECT_FALSE(t.priv);
    EXPECT_TRUE(t.file);
    m.perms = "rw-p";
    m.path = "";
    t = MappingTraits::of(m);
    EXPECT_TRUE(t.priv);
    EXPECT_FALSE(t.file);
}

} // namespace
