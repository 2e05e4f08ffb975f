/*
 * inspect_report.c - `mpisnap-inspect report FILE...`: one self-contained HTML page a
 * person reads in a browser, as MUST's MUST_Output.html, with what the other
 * subcommands say about the newest snapshot: the job, the deadlock verdict with the
 * wait-for graph and its legend (inspect_waits_out.c), the call-prefix tree
 * (inspect_tree.c), the ranks (call, arguments, time in call, pending requests, where),
 * the in-transit messages as values (inspect_values.c), and for a series of snapshots
 * of one job the progress between them (inspect_progress.c).
 *
 * Self-contained: CSS and the pictures (SVG drawn by Graphviz) are inline, nothing is
 * fetched, and there is no script at all; a Content-Security-Policy that forbids
 * scripts and every fetch says so to the browser too. Every string that comes from a
 * file is HTML-escaped (html()), so a crafted file cannot inject markup, and Graphviz's
 * SVG (which escapes its labels as XML) is embedded only when it holds no script or
 * foreign object. The page is built in memory and written only when complete, so a
 * refused file leaves no half page on stdout.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect_stacks.h"
#include "inspect_waits.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef MPISNAP_VERSION_STRING
#define MPISNAP_VERSION_STRING "(unversioned build)"
#endif

enum { MAX_ROWS = 2000, STACK_FRAMES = 4 };

/* s as HTML text or attribute value: markup characters as entities, control
 * characters but newlines as '?'. */
static void html(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc((*p < 0x20 && *p != '\n') || *p == 0x7f ? '?' : *p, out);
        }
    }
}

/* printf, then html(). */
static void htmlf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void htmlf(FILE *out, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    html(out, buf);
}

static const char *utc(double t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm)) snprintf(buf, len, "%.3f", t);
    return buf;
}

/* Graphviz's SVG inline: from its <svg> element on (the XML prolog and DOCTYPE are not
 * HTML). Only Graphviz's own drawing is accepted: no script, no foreign object. */
static void put_svg(FILE *out, const char *svg, const char *what)
{
    const char *p = svg ? strstr(svg, "<svg") : NULL;
    for (const char *q = p; q && *q; q++)
        if (strncasecmp(q, "<script", 7) == 0 || strncasecmp(q, "<foreignobject", 14) == 0) p = NULL;
    if (p) {
        fprintf(out, "<div class=\"graph\">%s</div>\n", p);
        return;
    }
    fprintf(out,
            "<p class=\"note\">The %s could not be drawn: Graphviz's <code>dot</code> is missing or "
            "failed (install the package graphviz). The text above says the same.</p>\n",
            what);
}

/* SVG of the Graphviz text dot, NULL if Graphviz failed (it said why on stderr). */
static char *svg_of(const char *dot)
{
    text t;
    if (!dot || text_open(&t) < 0) return NULL;
    int rc = svg_from_dot(dot, strlen(dot), t.f);
    char *svg = text_close(&t);
    if (rc != 0) {
        free(svg);
        svg = NULL;
    }
    return svg;
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2330;"
    "background:#f3f4f7;margin:0}\n"
    "header{background:#22304a;color:#fff;padding:18px 32px}\n"
    "header h1{margin:0;font-size:22px;font-weight:600}header p{margin:4px 0 0;color:#c9d3e6}\n"
    "nav{padding:8px 32px;background:#fff;border-bottom:1px solid #dde1e8}\n"
    "nav a{margin-right:18px;color:#2a5db0;text-decoration:none}\n"
    "main{max-width:1280px;margin:0 auto;padding:16px 32px 40px}\n"
    "section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 20px;margin:16px 0}\n"
    "h2{font-size:17px;margin:2px 0 10px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e9ef;vertical-align:top}\n"
    "th{background:#f0f2f6;font-weight:600}tbody tr:nth-child(even){background:#fafbfc}\n"
    "table.kv{width:auto}table.kv th{background:none;width:200px;color:#55607a;font-weight:500}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "code,pre,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px}\n"
    "pre{background:#f6f7f9;border:1px solid #e3e6ec;border-radius:6px;padding:10px;overflow-x:auto;"
    "white-space:pre-wrap}\n"
    ".verdict{font-size:16px;font-weight:600;padding:10px 14px;border-radius:6px;margin-bottom:10px}\n"
    ".verdict.bad{background:#fde2e1;color:#8a1c17;border:1px solid #f4a6a6}\n"
    ".verdict.ok{background:#e3f3e0;color:#1f5d18;border:1px solid #b5dcae}\n"
    ".graph{overflow-x:auto;text-align:center;padding:6px 0}.graph svg{max-width:100%;height:auto}\n"
    ".graph svg text{font-family:Helvetica,Arial,sans-serif}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:12px;color:#3b4456;margin-top:6px}\n"
    ".legend span{display:inline-flex;align-items:center;gap:6px}\n"
    ".sw{display:inline-block;width:16px;height:12px;border:1px solid #777;border-radius:3px}\n"
    ".sw.dead{border:2px solid red}.ln{display:inline-block;width:26px;border-top:2px solid #333}\n"
    ".ln.or{border-top-style:dashed}.ln.red{border-top-color:red}\n"
    "tr.dead td{background:#fdecea}tr.stuck td{background:#fff1e3}tr.idle td{color:#6b7385}\n"
    ".tag{display:inline-block;padding:0 6px;border-radius:9px;font-size:11px;background:#e8ecf3;margin:1px}\n"
    ".tag.aw{background:#cfe2f3}.note{color:#6b7385}.bad{color:#a4261d;font-weight:600}\n"
    "footer{color:#6b7385;font-size:12px;text-align:center;padding:12px}\n";

/* ---- sections ---- */

static void kv(FILE *out, const char *k, const char *v)
{
    fprintf(out, "<tr><th>%s</th><td>", k);
    html(out, v);
    fputs("</td></tr>\n", out);
}

static void section_job(FILE *out, const char *path, sf_file *f)
{
    const sf_job *job = sf_job_info(f);
    char buf[1024], t0[64];
    uint64_t nmsgs = 0, bytes = 0;
    text init;
    for (int32_t r = 0; r < job->nranks; r++) {
        nmsgs += sf_get_rank(f, r, NULL, 0)->nmsgs;
        bytes += msg_bytes(sf_get_rank(f, r, NULL, 0));
    }
    fputs("<section id=\"job\"><h2>Job</h2><table class=\"kv\">\n", out);
    kv(out, "file", path);
    kv(out, "program", job->program);
    snprintf(buf, sizeof buf, "%" PRIu64 " (%s, %s), file format %d", job->id,
             strcmp(job->algo, "ly") ? "Chandy-Lamport" : "Lai-Yang", job->algo, job->format_version);
    kv(out, "snapshot", buf);
    snprintf(buf, sizeof buf, "%s, complete %.1f ms later", utc(job->t_start, t0, sizeof t0),
             1e3 * (job->t_end - job->t_start));
    kv(out, "taken", buf);
    snprintf(buf, sizeof buf, "%d", job->nranks);
    kv(out, "ranks", buf);
    if (text_open(&init) == 0) {
        int any = 0;
        for (int32_t r = 0; r < job->nranks; r++) {
            const sf_rank *k = sf_get_rank(f, r, NULL, 0);
            if (k->initiator && any++ < 16)
                fprintf(init.f, "%s%d (%s)", any > 1 ? ", " : "", r, clean(k->trigger, buf, 64));
        }
        if (any > 16) fprintf(init.f, ", ... (%d)", any);
        char *s = text_close(&init);
        kv(out, "initiators (trigger)", s && *s ? s : "none recorded");
        free(s);
    }
    snprintf(buf, sizeof buf, "%" PRIu64 " message%s, %s", nmsgs, plural(nmsgs), human_bytes(bytes, t0, sizeof t0));
    kv(out, "in transit", buf);
    char *report = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&report, &len);
    int problems = mem ? sf_check(f, mem) : -1;
    if (mem) fclose(mem);
    fprintf(out, "<tr><th>consistency</th><td>");
    if (problems == 0)
        fprintf(out, "consistent: every channel's sent &minus; received = in transit (%lld channels)",
                (long long)job->nranks * job->nranks);
    else if (problems > 0) {
        fprintf(out, "<span class=\"bad\">INCONSISTENT (%d problem%s)</span><pre>", problems,
                plural((uint64_t)problems));
        html(out, report ? report : "");
        fputs("</pre>", out);
    }
    fputs("</td></tr>\n", out);
    free(report);
    kv(out, "job key", job->job_key);
    kv(out, "written by", job->library_version);
    fputs("</table></section>\n", out);
}

static void legend(FILE *out)
{
    const char *meaning, *fill;
    fputs("<div class=\"legend\">", out);
    for (int s = 0; (fill = waits_legend(s, &meaning)); s++) {
        fprintf(out, "<span><i class=\"sw%s\" style=\"background:%s\"></i>", s == WS_DEADLOCK ? " dead" : "", fill);
        html(out, meaning);
        fputs("</span>", out);
    }
    fputs("<span><i class=\"ln\"></i>waits for (all of them)</span>"
          "<span><i class=\"ln or\"></i>waits for one of them (or)</span>"
          "<span><i class=\"ln red\"></i>a wait of the deadlock</span></div>\n",
          out);
}

/* Returns 0, or -1 when out of memory. */
static int section_waits(FILE *out, const char *path, sf_file *f)
{
    char *txt = NULL, *dot = NULL;
    int rc = waits_parts(path, f, EAGER_LIMIT_DEFAULT, &txt, &dot);
    fputs("<section id=\"waits\"><h2>Deadlock verdict and wait-for graph</h2>\n", out);
    if (rc == EXIT_REFUSED) return -1;
    /* the verdict is the last line of the text */
    const char *last = txt + strlen(txt);
    while (last > txt && last[-1] == '\n') last--;
    while (last > txt && last[-1] != '\n') last--;
    const char *verdict = strncmp(last, path, strlen(path)) == 0 ? last + strlen(path) + 2 : last;
    char head[2] = {(char)(*verdict >= 'a' && *verdict <= 'z' ? *verdict - 32 : *verdict), 0};
    fprintf(out, "<div class=\"verdict %s\">", rc == EXIT_DEADLOCK ? "bad" : "ok");
    html(out, head); /* "Deadlock among ranks 0, 1; ..." */
    html(out, *verdict ? verdict + 1 : "");
    fputs("</div>\n<pre>", out);
    html(out, txt);
    fputs("</pre>\n", out);
    char *svg = svg_of(dot);
    put_svg(out, svg, "wait-for graph");
    legend(out);
    fputs("<p class=\"note\">A standard send of at most 4096 bytes is taken as buffered by MPI "
          "(<code>mpisnap-inspect waits --eager-limit</code>). A receive with a matching message "
          "in transit is not blocked.</p></section>\n",
          out);
    free(svg);
    free(txt);
    free(dot);
    return 0;
}

/* Returns 0, or -1 when out of memory. */
static int section_tree(FILE *out, const char *path, sf_file *f)
{
    call_tree t;
    fputs("<section id=\"tree\"><h2>Call-prefix tree</h2>\n"
          "<p class=\"note\">Every rank's call stack merged from the outermost frame down to the MPI "
          "call; each edge carries the ranks that went that way. Ranks with the same whole path (a "
          "class) share a colour.</p>\n",
          out);
    if (tree_build(f, &t) < 0) return -1;
    text tt, st;
    char *svg = NULL, *txt = NULL;
    if (text_open(&st) == 0) {
        int rc = tree_svg(st.f, &t);
        svg = text_close(&st);
        if (rc != 0) {
            free(svg);
            svg = NULL;
        }
    }
    if (text_open(&tt) == 0) {
        tree_text(tt.f, path, &t);
        txt = text_close(&tt);
    }
    put_svg(out, svg, "call-prefix tree");
    fputs("<details><summary>as text</summary><pre>", out);
    html(out, txt ? txt : "");
    fputs("</pre></details>\n", out);
    text nt;
    if (text_open(&nt) == 0) { /* modules whose frames could not be named, and why */
        sym_notes_text(nt.f);
        char *notes = text_close(&nt);
        if (notes && *notes) {
            fputs("<pre class=\"note\">", out);
            html(out, notes);
            fputs("</pre>\n", out);
        }
        free(notes);
    }
    fputs("</section>\n", out);
    free(svg);
    free(txt);
    tree_free(&t);
    return 0;
}

/* The first frames of r's stack, named ("wait_here (dlg.c:42) <- main (dlg.c:60)"). */
static void put_where(FILE *out, const sf_rank *k)
{
    text t;
    if (text_open(&t) < 0) return;
    uint32_t shown = 0;
    for (uint32_t i = 0; i < k->nstack && shown < STACK_FRAMES; i++) {
        const sym_frame *fr;
        size_t n = sym_resolve(k->stack[i], &fr);
        for (size_t x = 0; x < n && shown < STACK_FRAMES; x++, shown++) {
            fputs(shown ? " \xe2\x86\x90 " : "", t.f); /* a left arrow: called from */
            sym_put(t.f, &fr[x]);
        }
    }
    if (k->nstack > shown) fputs(" \xe2\x80\xa6", t.f);
    char *s = text_close(&t);
    html(out, s ? s : "");
    free(s);
}

static void put_requests(FILE *out, const sf_rank *k)
{
    char cn[32];
    for (uint32_t i = 0; i < k->nrequests && i < 8; i++) {
        const sf_request *q = &k->requests[i];
        fprintf(out, "<span class=\"tag%s\">", q->awaited ? " aw" : "");
        htmlf(out, "%s peer %d tag %d %s %" PRId64 " %s", q->kind, q->peer, q->tag, comm_name(q->comm, cn, sizeof cn),
              q->count, q->datatype);
        fputs(q->awaited ? " (awaited)</span> " : "</span> ", out);
    }
    if (k->nrequests > 8) fprintf(out, "&hellip; (%u)", k->nrequests);
    if (!k->nrequests) fputs("<span class=\"note\">none</span>", out);
}

static void section_ranks(FILE *out, sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    wf_graph *g = wf_build(f, EAGER_LIMIT_DEFAULT);
    fputs("<section id=\"ranks\"><h2>Ranks</h2>\n<table><thead><tr><th class=\"num\">rank</th>"
          "<th>host:pid</th><th>MPI call</th><th>arguments</th><th class=\"num\">time in call</th>"
          "<th>pending requests</th><th class=\"num\">sent</th><th class=\"num\">received</th>"
          "<th class=\"num\">in transit to it</th><th>where (innermost first)</th></tr></thead><tbody>\n",
          out);
    for (int32_t r = 0; r < n && r < MAX_ROWS; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        wf_state st = g ? g->nodes[r].state : WS_FREE;
        fprintf(out, "<tr%s><td class=\"num\">%d</td><td>",
                st == WS_DEADLOCK ? " class=\"dead\""
                : st == WS_STUCK  ? " class=\"stuck\""
                : !k->call[0]     ? " class=\"idle\""
                                  : "",
                r);
        htmlf(out, "%s:%d", k->host, k->pid);
        fputs("</td><td class=\"mono\">", out);
        html(out, k->call[0] ? k->call : "(not in MPI)");
        fputs("</td><td class=\"mono\">", out);
        html(out, k->call_args);
        if (k->call[0])
            fprintf(out, "</td><td class=\"num\">%.2f s</td><td>", k->call_seconds);
        else
            fputs("</td><td class=\"num\">&ndash;</td><td>", out);
        put_requests(out, k);
        fprintf(out,
                "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
                "</td><td class=\"num\">%u</td><td class=\"mono\">",
                sum_u64(k->sent, n), sum_u64(k->recvd, n), k->nmsgs);
        put_where(out, k);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    if (n > MAX_ROWS)
        fprintf(out,
                "<p class=\"note\">The first %d of %d ranks: <code>mpisnap-inspect FILE</code> "
                "lists them all.</p>\n",
                MAX_ROWS, n);
    fputs("</section>\n", out);
    wf_free(g);
}

static void section_messages(FILE *out, sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    uint64_t shown = 0, total = 0;
    char cn[32];
    fputs("<section id=\"messages\"><h2>Messages in transit</h2>\n", out);
    for (int32_t r = 0; r < n; r++) total += sf_get_rank(f, r, NULL, 0)->nmsgs;
    if (!total) {
        fputs("<p class=\"note\">No message was in transit.</p></section>\n", out);
        return;
    }
    fputs("<p class=\"note\">Sent and not yet received when the snapshot was taken, in each "
          "receiver's delivery order; payloads as values by the datatype of the receive that "
          "matched them, as bytes when no receive had asked for them yet.</p>\n"
          "<table><thead><tr><th class=\"num\">from</th><th class=\"num\">to</th><th>comm</th>"
          "<th class=\"num\">tag</th><th class=\"num\">bytes</th><th class=\"num\">order</th>"
          "<th>payload</th></tr></thead><tbody>\n",
          out);
    for (int32_t r = 0; r < n && shown < MAX_ROWS; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        for (uint32_t i = 0; i < k->nmsgs && shown < MAX_ROWS; i++, shown++) {
            const sf_msg *m = &k->msgs[i];
            char hex[64];
            text t;
            fprintf(out,
                    "<tr><td class=\"num\">%d</td><td class=\"num\">%d</td><td>%s</td>"
                    "<td class=\"num\">%d</td><td class=\"num\">%" PRIu64 "</td>"
                    "<td class=\"num\">%" PRIu64 "</td><td class=\"mono\">",
                    m->src, m->dst, comm_name(m->comm, cn, sizeof cn), m->tag, m->bytes, m->order);
            if (m->bytes && text_open(&t) == 0) {
                int known = values_text(t.f, m) == 0;
                char *v = text_close(&t);
                if (known && v)
                    html(out, v);
                else
                    htmlf(out, "bytes %s", hex_preview(m, " ", hex, sizeof hex));
                free(v);
            } else if (!m->bytes) {
                fputs("<span class=\"note\">empty</span>", out);
            }
            fputs("</td></tr>\n", out);
        }
    }
    fputs("</tbody></table>\n", out);
    if (total > shown)
        fprintf(out,
                "<p class=\"note\">The first %" PRIu64 " of %" PRIu64 " messages: "
                "<code>mpisnap-inspect messages FILE</code> lists them all.</p>\n",
                shown, total);
    fputs("</section>\n", out);
}

static void progress_table(FILE *out, const char *pa, const char *pb, const progress *p)
{
    char c1[SF_NAME_MAX], c2[SF_NAME_MAX];
    fputs("<h3>", out);
    const char *ba = strrchr(pa, '/'), *bb = strrchr(pb, '/'); /* the folder is in the footer */
    htmlf(out, "snapshot %" PRIu64 " \xe2\x86\x92 %" PRIu64 " (%.1f s later): %s \xe2\x86\x92 %s", p->id_before,
          p->id_after, p->t_after - p->t_before, ba ? ba + 1 : pa, bb ? bb + 1 : pb);
    fputs("</h3>\n", out);
    if (p->nstuck)
        fprintf(out,
                "<p class=\"bad\">No progress at all: %u of %d rank%s (no message, no "
                "collective, the same call and stack)</p>\n",
                p->nstuck, p->nranks, plural((uint64_t)p->nranks));
    else
        fputs("<p>Every rank made progress.</p>\n", out);
    fputs("<table><thead><tr><th class=\"num\">rank</th><th class=\"num\">sent since</th>"
          "<th class=\"num\">received since</th><th class=\"num\">collectives since</th>"
          "<th>call</th><th>stack</th><th></th></tr></thead><tbody>\n",
          out);
    for (int32_t r = 0; r < p->nranks && r < MAX_ROWS; r++) {
        const rank_progress *x = &p->ranks[r];
        fprintf(out,
                "<tr%s><td class=\"num\">%d</td><td class=\"num\">%" PRIu64 "</td>"
                "<td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td class=\"mono\">",
                x->stuck ? " class=\"stuck\"" : "", r, x->sent, x->recvd, x->colls);
        if (x->call_changed)
            htmlf(out, "%s \xe2\x86\x92 %s", x->call_before[0] ? clean(x->call_before, c1, sizeof c1) : "-",
                  x->call_after[0] ? clean(x->call_after, c2, sizeof c2) : "-");
        else
            htmlf(out, "%s (same, %.1f s in it)", x->call_after[0] ? clean(x->call_after, c2, sizeof c2) : "-",
                  x->seconds_in_call);
        fprintf(out, "</td><td>%s</td><td>%s</td></tr>\n", x->stack_changed ? "changed" : "same",
                x->stuck ? "<b class=\"bad\">no progress</b>" : "");
    }
    fputs("</tbody></table>\n", out);
}

/* The progress between consecutive snapshots (s sorted by id, all of one job). */
static int section_progress(FILE *out, int n, const char *const *paths, sf_file *const *fs)
{
    fputs("<section id=\"progress\"><h2>Progress over time</h2>\n", out);
    if (n < 2) {
        fputs("<p class=\"note\">One snapshot: give two or more of one job to see who progresses "
              "and who is stuck (<code>mpisnap-run --hang-timeout T --hang-repeat S</code> takes a "
              "pair when the job hangs).</p></section>\n",
              out);
        return 0;
    }
    for (int i = 1; i < n; i++) {
        progress p;
        if (progress_compute(fs[i - 1], fs[i], &p) < 0) return -1;
        progress_table(out, paths[i - 1], paths[i], &p);
        progress_free(&p);
    }
    fputs("</section>\n", out);
    return 0;
}

/* ---- the page ---- */

static int write_page(FILE *out, int n, const char *const *paths, sf_file *const *fs)
{
    const char *path = paths[n - 1];
    sf_file *f = fs[n - 1];
    const sf_job *job = sf_job_info(f);
    char t0[64];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>mpisnap report: ",
          out);
    html(out, job->program);
    fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>mpisnap report: ", css);
    html(out, job->program);
    fputs("</h1><p>", out);
    htmlf(out, "%d ranks \xc2\xb7 snapshot %" PRIu64 " taken %s", job->nranks, job->id,
          utc(job->t_start, t0, sizeof t0));
    if (n > 1) htmlf(out, " \xc2\xb7 the newest of %d snapshots of this job", n);
    fputs("</p></header>\n<nav><a href=\"#job\">Job</a><a href=\"#waits\">Deadlock</a>"
          "<a href=\"#tree\">Call tree</a><a href=\"#ranks\">Ranks</a><a href=\"#messages\">Messages</a>"
          "<a href=\"#progress\">Progress</a></nav>\n<main>\n",
          out);
    section_job(out, path, f);
    int rc = section_waits(out, path, f);
    if (rc == 0) rc = section_tree(out, path, f);
    section_ranks(out, f);
    section_messages(out, f);
    if (rc == 0) rc = section_progress(out, n, paths, fs);
    fputs("</main>\n<footer>Written by mpisnap-inspect " MPISNAP_VERSION_STRING " from ", out);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        html(out, paths[i]);
    }
    fputs(". Self-contained: no script, nothing fetched.</footer>\n</body></html>\n", out);
    return rc;
}

int report_run(int nfiles, const char *const *files)
{
    const char **ps = calloc((size_t)nfiles, sizeof *ps);
    sf_file **fs = calloc((size_t)nfiles, sizeof *fs);
    int rc = ps && fs ? series_open(nfiles, files, "a report is about one job", ps, fs) : EXIT_REFUSED;
    text page = {NULL, NULL, 0};
    if (rc == 0 && text_open(&page) == 0) {
        int wrc = write_page(page.f, nfiles, ps, fs);
        char *html_page = text_close(&page);
        if (wrc < 0 || !html_page) {
            fputs("mpisnap-inspect: out of memory writing the report\n", stderr);
            rc = EXIT_REFUSED;
        } else {
            fputs(html_page, stdout);
        }
        free(html_page);
    } else if (rc == 0) {
        rc = EXIT_REFUSED;
    }
    if (fs) series_close(nfiles, fs);
    free(ps);
    free(fs);
    return rc;
}
