// Unit tests of the kernel ABI tables: kpageflags names, VmFlags codes, smaps field meanings,
// errno/signal/si_code names, and the pagemap bit helpers.
#include "abi.hpp"

#include <cerrno>
#include <csignal>
#include <gtest/gtest.h>
#include <set>
#include <string>

TEST(Kpageflags, TableCoversTheUapiAndKernelHackingBits) {
    std::set<int> bits;
    for (const auto& f : mml::abi::kpageflag_table()) {
        EXPECT_TRUE(bits.insert(f.bit).second) << "duplicate bit " << f.bit;
        EXPECT_FALSE(f.name.empty());
        EXPECT_FALSE(f.meaning.empty()) << f.name;
        EXPECT_EQ(f.meaning.back(), '.') << f.name;
    }
    for (int b = 0; b <= 26; ++b) EXPECT_TRUE(bits.count(b)) << b;
    for (int b = 32; b <= 42; ++b) EXPECT_TRUE(bits.count(b)) << b;
    EXPECT_EQ(mml::abi::kpageflag_name(mml::abi::kKpfZeroPage), "ZERO_PAGE");
    EXPECT_EQ(mml::abi::kpageflag_name(mml::abi::kKpfDirty), "DIRTY");
    EXPECT_EQ(mml::abi::kpageflag_name(mml::abi::kKpfAnon), "ANON");
    EXPECT_EQ(mml::abi::kpageflag_name(mml::abi::kKpfThp), "THP");
    EXPECT_EQ(mml::abi::kpageflag_name(mml::abi::kKpfNoPage), "NOPAGE");
    EXPECT_EQ(mml::abi::kpageflag_name(33), "MLOCKED");
    EXPECT_EQ(mml::abi::kpageflag_name(40), "SOFTDIRTY");
    EXPECT_EQ(mml::abi::kpageflag_name(42), "ARCH_3");
    EXPECT_FALSE(mml::abi::kpageflag_name(30).has_value());
}

TEST(Kpageflags, ToStringKeepsUnknownBitsRaw) {
    EXPECT_EQ(mml::abi::kpageflags_to_string(0), "");
    const uint64_t f = (1ull << 5) | (1ull << 11) | (1ull << 12) | (1ull << 50);
    EXPECT_EQ(mml::abi::kpageflags_to_string(f), "LRU|MMAP|ANON|BIT50");
    EXPECT_EQ(mml::abi::kpageflags_to_string(1ull << 63), "BIT63");
}

TEST(VmFlags, EveryCodeHasWords) {
    std::set<std::string_view> codes;
    for (const auto& f : mml::abi::vmflag_table()) {
        EXPECT_TRUE(codes.insert(f.code).second) << f.code;
        EXPECT_EQ(f.code.size(), 2u) << f.code;
        EXPECT_FALSE(f.words.empty()) << f.code;
    }
    for (const char* c :
         {"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "pf", "lf", "dw", "lo", "io",
          "sr", "rr", "dc", "de", "ac", "nr", "ht", "sf", "nl", "ar", "wf", "dd", "sd", "mm",
          "hg", "nh", "mg", "um", "uw", "ui", "ss", "sl", "bt", "mt", "gu", "dp"})
        EXPECT_TRUE(mml::abi::vmflag_words(c).has_value()) << c;
    EXPECT_FALSE(mml::abi::vmflag_words("zz").has_value());
    EXPECT_FALSE(mml::abi::vmflag_words("").has_value());
}

TEST(SmapsFields, EveryFieldHasOneSentence) {
    for (const char* name : {"Size",
                             "KernelPageSize",
                             "MMUPageSize",
                             "Rss",
                             "Pss",
                             "Pss_Dirty",
                             "Pss_Anon",
                             "Pss_File",
                             "Pss_Shmem",
                             "Shared_Clean",
                             "Shared_Dirty",
                             "Private_Clean",
                             "Private_Dirty",
                             "Referenced",
                             "Anonymous",
                             "KSM",
                             "LazyFree",
                             "AnonHugePages",
                             "ShmemPmdMapped",
                             "FilePmdMapped",
                             "Shared_Hugetlb",
                             "Private_Hugetlb",
                             "Swap",
                             "SwapPss",
                             "Locked",
                             "THPeligible",
                             "ProtectionKey",
                             "VmFlags"}) {
        auto m = mml::abi::smaps_field_meaning(name);
        ASSERT_TRUE(m.has_value()) << name;
        EXPECT_EQ(m->back(), '.') << name;
    }
    EXPECT_FALSE(mml::abi::smaps_field_meaning("FutureField").has_value());
    // Shared_/Private_ are about how many processes map a page, not MAP_SHARED.
    auto priv = mml::abi::smaps_field_meaning("Private_Dirty");
    EXPECT_NE(priv->find("only by this process"), std::string_view::npos);
}

TEST(Names, ErrnoSignalAndSiCode) {
    EXPECT_EQ(mml::abi::errno_name(EINVAL), "EINVAL");
    EXPECT_EQ(mml::abi::errno_name(ENOMEM), "ENOMEM");
    EXPECT_EQ(mml::abi::errno_name(EACCES), "EACCES");
    EXPECT_EQ(mml::abi::errno_name(9999), "E9999");
    EXPECT_EQ(mml::abi::signal_name(SIGSEGV), "SIGSEGV");
    EXPECT_EQ(mml::abi::signal_name(SIGBUS), "SIGBUS");
    EXPECT_EQ(mml::abi::signal_name(SIGKILL), "SIGKILL");
    EXPECT_EQ(mml::abi::signal_name(SIGRTMIN + 2), "SIGRTMIN+2");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, SEGV_MAPERR), "SEGV_MAPERR");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, SEGV_ACCERR), "SEGV_ACCERR");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, SEGV_PKUERR), "SEGV_PKUERR");
    EXPECT_EQ(mml::abi::si_code_name(SIGBUS, BUS_ADRERR), "BUS_ADRERR");
    EXPECT_EQ(mml::abi::si_code_name(SIGBUS, BUS_ADRALN), "BUS_ADRALN");
    EXPECT_EQ(mml::abi::si_code_name(SIGBUS, BUS_OBJERR), "BUS_OBJERR");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, SI_USER), "SI_USER");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, SI_KERNEL), "SI_KERNEL");
    EXPECT_EQ(mml::abi::si_code_name(SIGBUS, SI_TKILL), "SI_TKILL");
    EXPECT_EQ(mml::abi::si_code_name(SIGSEGV, 77), "77");
}

TEST(Pagemap, BitHelpers) {
    const uint64_t e = (1ull << 63) | (1ull << 56) | (1ull << 55) | 0x1234;
    EXPECT_TRUE(mml::abi::pm_present(e));
    EXPECT_TRUE(mml::abi::pm_exclusive(e));
    EXPECT_TRUE(mml::abi::pm_soft_dirty(e));
    EXPECT_FALSE(mml::abi::pm_swapped(e));
    EXPECT_FALSE(mml::abi::pm_file_shared(e));
    EXPECT_EQ(mml::abi::pm_pfn(e), 0x1234u);
    const uint64_t swapped = (1ull << 62) | 0x55;
    EXPECT_EQ(mml::abi::pm_pfn(swapped), 0u); // swap entries are not PFNs
}
