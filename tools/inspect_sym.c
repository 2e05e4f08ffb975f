/*
 * inspect_sym.c - naming the frames a snapshot recorded, offline.
 *
 * A rank records each frame as "/path/module+0xoffset build-id=hex" (format 3: no
 * lookup at snapshot time). Here, with elfutils' libdwfl, every module is opened once
 * (one Dwfl per module, placed at bias 0, so that a recorded offset is an address in
 * it), its build-id compared with the recorded one, and each frame named the best way
 * the module allows: DWARF (function, file:line, and the functions inlined at that
 * place, as eu-addr2line -i does: the nested inlined-subroutine scopes that hold the
 * address, each one's DW_AT_call_file/line being the place in its caller), else the ELF symbol
 * table (a sized symbol that holds the address; a nearest symbol could be a wrong
 * name), else module+offset. A module whose build-id differs from the recorded one
 * (rebuilt since the run) gives no names at all: a wrong name is worse than none.
 *
 * Recorded offsets are return addresses (the instruction after a call) except in a
 * signal frame, which the recorder never sees: the lookup is at offset - 1, inside
 * the call, so a call that is the last instruction of a function or of an inlined
 * block is named right.
 *
 * Results are cached per distinct frame string (a thousand ranks in one place are
 * one lookup) in a process-wide cache: mpisnap-inspect is a one-shot process.
 */
#define _GNU_SOURCE

#include "inspect_stacks.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INLINE 32 /* inlined frames kept at one place */

/* One module: opened once, by path; its recorded build-id may differ per file. */
struct module {
    char *path;
    char *build_id; /* recorded */
    char *disk_id;  /* on disk, hex ("" if none) */
    Dwfl *dwfl;     /* NULL when it could not be opened */
    Dwfl_Module *mod;
    enum sym_source bad; /* SYM_MISSING or SYM_MISMATCH when no names, else SYM_DEBUG */
    char *why;           /* for SYM_MISSING: the system's reason */
    int used;            /* a frame asked for it (notes are only about those) */
    struct module *next;
};

struct entry {
    char *key; /* the recorded frame */
    sym_frame *frames;
    size_t n;
    struct entry *next;
};

#define NBUCKETS 4096
static struct entry *buckets[NBUCKETS];
static struct module *modules;

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fputs("mpisnap-inspect: out of memory\n", stderr);
        exit(EXIT_REFUSED);
    }
    return d;
}

static void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m);
    if (!p) {
        fputs("mpisnap-inspect: out of memory\n", stderr);
        exit(EXIT_REFUSED);
    }
    return p;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int all_hex(const char *s) { return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s); }

/* Splits "path+0xoff[ build-id=hex]" into its parts (path and id written into the
 * caller's copy of the text). Returns 0, or -1 when the text is not such a frame. */
static int parse_frame(char *s, char **path, uint64_t *off, char **id)
{
    char *b = strstr(s, " build-id="), *last = NULL;
    for (; b; b = strstr(b + 1, " build-id=")) last = b;
    *id = "";
    if (last && all_hex(last + 10)) *id = last + 10, *last = '\0';
    char *plus = NULL;
    for (char *p = strstr(s, "+0x"); p; p = strstr(p + 1, "+0x")) plus = p;
    if (!plus || plus == s || !all_hex(plus + 3) || strlen(plus + 3) > 16) return -1;
    *off = strtoull(plus + 3, NULL, 16);
    *plus = '\0';
    *path = s;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static char *hex_of(const unsigned char *b, int n)
{
    char *h = xcalloc(2 * (size_t)(n > 0 ? n : 0) + 1, 1);
    for (int i = 0; i < n; i++) snprintf(h + 2 * i, 3, "%02x", b[i]);
    return h;
}

static char *debuginfo_path; /* NULL: libdwfl's default, ":.debug:/usr/lib/debug" */
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

static void module_open(struct module *m)
{
    struct stat st;
    m->bad = SYM_DEBUG;
    if (stat(m->path, &st) != 0 || access(m->path, R_OK) != 0) {
        m->bad = SYM_MISSING, m->why = xstrdup(strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) { /* a path from a file: never read a FIFO or a device */
        m->bad = SYM_MISSING, m->why = xstrdup("not a regular file");
        return;
    }
    m->dwfl = dwfl_begin(&callbacks);
    if (m->dwfl) {
        dwfl_report_begin(m->dwfl);
        /* ET_DYN at bias 0 (add_p_vaddr): an address is the ELF virtual address, as
         * recorded; ET_EXEC is where its headers say */
        m->mod = dwfl_report_elf(m->dwfl, base_name(m->path), m->path, -1, 0, true);
        dwfl_report_end(m->dwfl, NULL, NULL);
    }
    if (!m->mod) {
        m->bad = SYM_MISSING, m->why = xstrdup(dwfl_errmsg(-1));
        return;
    }
    const unsigned char *bits;
    GElf_Addr vaddr;
    int n = dwfl_module_build_id(m->mod, &bits, &vaddr);
    m->disk_id = hex_of(bits, n);
    if (strcmp(m->disk_id, m->build_id) != 0) m->bad = SYM_MISMATCH;
}

static struct module *module_get(const char *path, const char *id)
{
    for (struct module *m = modules; m; m = m->next)
        if (strcmp(m->path, path) == 0 && strcmp(m->build_id, id) == 0) return m;
    struct module *m = xcalloc(1, sizeof *m);
    m->path = xstrdup(path);
    m->build_id = xstrdup(id);
    struct module *same = modules;
    while (same && strcmp(same->path, path) != 0) same = same->next;
    if (same) { /* the same file, another recorded id: compare, do not reopen */
        m->bad = same->bad == SYM_MISSING ? SYM_MISSING : SYM_DEBUG;
        m->why = same->why ? xstrdup(same->why) : NULL;
        m->disk_id = same->disk_id ? xstrdup(same->disk_id) : NULL;
        if (m->bad != SYM_MISSING && strcmp(m->disk_id, id) != 0) m->bad = SYM_MISMATCH;
        if (m->bad == SYM_DEBUG) m->dwfl = NULL, m->mod = same->mod;
    } else {
        module_open(m);
    }
    m->next = modules;
    modules = m;
    return m;
}

/* DW_AT_name, looking through DW_AT_abstract_origin/specification (inlined copies). */
static const char *die_name(Dwarf_Die *d)
{
    Dwarf_Attribute a;
    const char *s = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_name, &a));
    return s ? s : "??";
}

static int has_pc_info(Dwarf_Die *d)
{
    return dwarf_hasattr(d, DW_AT_low_pc) || dwarf_hasattr(d, DW_AT_ranges) || dwarf_hasattr(d, DW_AT_entry_pc);
}

/* The concrete functions around pc, outermost first, into chain[n..max): from parent
 * down through the subprogram, inlined subroutines and lexical blocks that hold pc
 * (and through scopes without addresses: namespaces, classes, blocks without ranges).
 * dwarf_getscopes is not used: past an inlined subroutine it continues in the
 * inlined function's abstract definition, not in the function it was inlined into. */
static int walk_scopes(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *chain, int n, int max, int depth)
{
    Dwarf_Die c;
    if (depth > 64 || dwarf_child(parent, &c) != 0) return n;
    do {
        int tag = dwarf_tag(&c), code = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
        if (!code && tag != DW_TAG_lexical_block && tag != DW_TAG_namespace && tag != DW_TAG_class_type &&
            tag != DW_TAG_structure_type)
            continue;
        if (has_pc_info(&c)) {
            if (dwarf_haspc(&c, pc) != 1) continue;
            if (code && n < max) chain[n++] = c;
            return walk_scopes(&c, pc, chain, n, max, depth + 1);
        }
        int m = walk_scopes(&c, pc, chain, n, max, depth + 1);
        if (m > n) return m;
    } while (dwarf_siblingof(&c, &c) == 0);
    return n;
}

/* The DWARF frames at addr (innermost first): 0 when the module has no debug
 * information for it. */
static size_t debug_frames(Dwfl_Module *mod, Dwarf_Addr addr, sym_frame *out, size_t max)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias), chain[MAX_INLINE];
    int nc = cu ? walk_scopes(cu, addr - bias, chain, 0, MAX_INLINE, 0) : 0;
    if (nc <= 0) return 0;
    const char *file = NULL;
    int line = 0;
    Dwfl_Line *l = dwfl_module_getsrc(mod, addr);
    if (l) file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0) files = NULL;
    size_t n = 0;
    for (int i = nc; i-- > 0 && n < max;) { /* innermost first */
        int tag = dwarf_tag(&chain[i]);
        out[n++] = (sym_frame){.source = SYM_DEBUG,
                               .func = xstrdup(die_name(&chain[i])),
                               .file = file ? xstrdup(file) : NULL,
                               .line = line,
                               .inlined = tag == DW_TAG_inlined_subroutine};
        if (tag != DW_TAG_inlined_subroutine) break;
        /* where this inlined code was called from: a place in the next function out */
        Dwarf_Attribute a;
        Dwarf_Word w;
        file = NULL, line = 0;
        if (files && dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &a), &w) == 0 && w < nfiles)
            file = dwarf_filesrc(files, w, NULL, NULL);
        if (dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &a), &w) == 0) line = (int)w;
    }
    return n;
}

/* Names one recorded frame into e. */
static void resolve(const char *frame, struct entry *e)
{
    char *copy = xstrdup(frame), *path, *id;
    uint64_t off;
    sym_frame fr[MAX_INLINE];
    size_t n = 0;
    if (parse_frame(copy, &path, &off, &id) < 0) {
        fr[n++] = (sym_frame){.source = SYM_RAW, .module = xstrdup(frame), .build_id = ""};
    } else {
        struct module *m = module_get(path, id);
        m->used = 1;
        Dwarf_Addr addr = off ? off - 1 : 0; /* a return address: look inside the call */
        if (m->bad == SYM_DEBUG) n = debug_frames(m->mod, addr, fr, MAX_INLINE);
        GElf_Sym sym;
        GElf_Off soff = 0;
        const char *name =
            n || m->bad != SYM_DEBUG ? NULL : dwfl_module_addrinfo(m->mod, addr, &soff, &sym, NULL, NULL, NULL);
        if (name && sym.st_size > 0 && soff < sym.st_size)
            fr[n++] = (sym_frame){.source = SYM_SYMTAB, .func = xstrdup(name), .sym_offset = soff + 1};
        if (n == 0) fr[n++] = (sym_frame){.source = m->bad == SYM_DEBUG ? SYM_NONE : m->bad};
        for (size_t i = 0; i < n; i++) fr[i].module = m->path, fr[i].build_id = m->build_id, fr[i].offset = off;
    }
    e->frames = xcalloc(n, sizeof *e->frames);
    memcpy(e->frames, fr, n * sizeof *fr);
    e->n = n;
    free(copy);
}

size_t sym_resolve(const char *frame, const sym_frame **out)
{
    uint64_t h = hash(frame) % NBUCKETS;
    struct entry *e = buckets[h];
    while (e && strcmp(e->key, frame) != 0) e = e->next;
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->key = xstrdup(frame);
        resolve(frame, e);
        e->next = buckets[h];
        buckets[h] = e;
    }
    *out = e->frames;
    return e->n;
}

/* The raw text of a format 2 frame, without its absolute address (which differs
 * between processes of a position-independent executable): "module(symbol+off)
 * [addr]" becomes "symbol+off", "module(+off) [addr]" becomes "module_basename+off". */
static void put_raw(FILE *out, const char *frame)
{
    char buf[SF_TEXT_MAX * 16];
    char *s = (char *)clean(frame, buf, sizeof buf), *open, *close;
    char *addr = strstr(s, " [0x");
    if (addr && strchr(addr, ']') && strchr(addr, ']')[1] == '\0') *addr = '\0';
    open = strrchr(s, '(');
    close = open ? strchr(open, ')') : NULL;
    if (!open || !close || close[1] != '\0') {
        fputs(s, out);
        return;
    }
    *open = *close = '\0';
    const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
    if (open[1] == '+' || open[1] == '\0')
        fprintf(out, "%s%s", base, open + 1);
    else
        fputs(open + 1, out);
}

void sym_put(FILE *out, const sym_frame *fr)
{
    char a[SF_TEXT_MAX * 4], b[SF_TEXT_MAX * 4];
    const char *mod = fr->source == SYM_RAW ? "" : clean(base_name(fr->module), b, sizeof b);
    switch (fr->source) {
    case SYM_DEBUG:
        fputs(clean(fr->func, a, sizeof a), out);
        if (fr->file) fprintf(out, " (%s:%d)", clean(base_name(fr->file), b, sizeof b), fr->line);
        if (fr->inlined) fputs(" [inlined]", out);
        break;
    case SYM_SYMTAB: fprintf(out, "%s+0x%" PRIx64 " (%s)", clean(fr->func, a, sizeof a), fr->sym_offset, mod); break;
    case SYM_NONE:
    case SYM_MISSING:
    case SYM_MISMATCH:
        fprintf(out, "%s+0x%" PRIx64 "%s", mod, fr->offset,
                fr->source == SYM_MISMATCH  ? " (binary changed since the run)"
                : fr->source == SYM_MISSING ? " (module not found)"
                                            : "");
        break;
    case SYM_RAW: put_raw(out, fr->module); break;
    }
}

static const char *source_name(enum sym_source s)
{
    static const char *const names[] = {"debug", "symtab", "none", "missing", "mismatch", "raw"};
    return names[s];
}

void sym_json(json *j, const sym_frame *fr)
{
    text t;
    char *s = NULL;
    json_begin_object(j);
    json_kstring(j, "source", source_name(fr->source));
    json_key(j, "function");
    fr->func ? json_string(j, fr->func) : json_null(j);
    json_key(j, "file");
    fr->file ? json_string(j, fr->file) : json_null(j);
    json_kint(j, "line", fr->line);
    json_kbool(j, "inlined", fr->inlined);
    json_kstring(j, "module", fr->module);
    json_kstring(j, "build_id", fr->build_id);
    json_kuint(j, "offset", fr->offset);
    if (text_open(&t) == 0) {
        sym_put(t.f, fr);
        s = text_close(&t);
    }
    json_kstring(j, "text", s ? s : "");
    free(s);
    json_end_object(j);
}

/* The problem with m, or NULL when its frames could be named. */
static char *module_problem(const struct module *m)
{
    char *s = NULL;
    int rc = 0;
    if (!m->used) return NULL;
    if (m->bad == SYM_MISSING)
        rc = asprintf(&s,
                      "%s cannot be read (%s): its frames are shown as offsets; run "
                      "mpisnap-inspect where the job's binaries are",
                      m->path, m->why);
    else if (m->bad == SYM_MISMATCH)
        rc = asprintf(&s,
                      "%s is not the binary that ran (build-id %s on disk, %s recorded): "
                      "its frames are shown as offsets, not named; inspect with the "
                      "binary of the run",
                      m->path, m->disk_id[0] ? m->disk_id : "none", m->build_id[0] ? m->build_id : "none");
    return rc < 0 ? NULL : s;
}

void sym_notes_text(FILE *out)
{
    char buf[SF_TEXT_MAX * 16];
    for (struct module *m = modules; m; m = m->next) {
        char *s = module_problem(m);
        if (s) fprintf(out, "note: %s\n", clean(s, buf, sizeof buf));
        free(s);
    }
}

void sym_notes_json(json *j)
{
    json_begin_array(j);
    for (struct module *m = modules; m; m = m->next) {
        char *s = module_problem(m);
        if (!s) continue;
        json_begin_object(j);
        json_kstring(j, "module", m->path);
        json_kstring(j, "build_id", m->build_id);
        json_kstring(j, "problem", m->bad == SYM_MISSING ? "missing" : "mismatch");
        json_kstring(j, "message", s);
        json_end_object(j);
        free(s);
    }
    json_end_array(j);
}

void sym_release(void)
{
    for (size_t b = 0; b < NBUCKETS; b++) {
        while (buckets[b]) {
            struct entry *e = buckets[b];
            buckets[b] = e->next;
            for (size_t i = 0; i < e->n; i++) {
                free((char *)e->frames[i].func);
                free((char *)e->frames[i].file);
                if (e->frames[i].source == SYM_RAW) free((char *)e->frames[i].module);
            }
            free(e->frames);
            free(e->key);
            free(e);
        }
    }
    while (modules) {
        struct module *m = modules;
        modules = m->next;
        if (m->dwfl) dwfl_end(m->dwfl);
        free(m->path);
        free(m->build_id);
        free(m->disk_id);
        free(m->why);
        free(m);
    }
}

void put_ranks_compact(FILE *out, const int32_t *ranks, size_t n, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        if (max && k == max) {
            fputs(",...", out);
            return;
        }
        size_t j = i;
        while (j + 1 < n && ranks[j + 1] == ranks[j] + 1) j++;
        if (j > i)
            fprintf(out, "%s%" PRId32 "-%" PRId32, k ? "," : "", ranks[i], ranks[j]);
        else
            fprintf(out, "%s%" PRId32, k ? "," : "", ranks[i]);
        i = j + 1;
    }
}
