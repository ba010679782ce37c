int fd = open("notes.txt", O_RDWR | O_CREAT, 0644);
char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
p[0] = 'A';
mprotect(p + 4096, 4096, PROT_READ);
pid_t child = fork();
@child: p[3 * PAGE_SIZE] = '\n'; /* c */ long v = (long)1 << 40 | 0x7f & ~077;
