/* xml.c - a small tolerant XML reader for tool reports (HLS csynth.xml,
 * Vivado report_utilization -format xml).
 *
 * Why not libxml2: these reports use a tiny subset of XML (elements,
 * attributes, text, the five predefined entities, numeric character
 * references, comments, a prolog), a tree in our arena is all the parsers
 * need, and a 250-line reader is easy to fuzz.  Not supported (ignored):
 * DTD internals, namespaces (prefixes are kept in names), external
 * entities (never resolved: no XXE).  Errors carry the line number. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

typedef struct xp {
    bs_arena *a;
    const char *p, *end;
    int line;
    char *err;
    size_t errn;
    int err_line;
} xp;

static int fail(xp *x, const char *what)
{
    if (!x->err_line) {
        x->err_line = x->line;
        snprintf(x->err, x->errn, "%s", what);
    }
    return BS_EPARSE;
}

static void adv(xp *x, size_t k)
{
    for (size_t i = 0; i < k && x->p < x->end; i++, x->p++)
        if (*x->p == '\n')
            x->line++;
}

static bool at(xp *x, const char *s)
{
    size_t l = strlen(s);
    return (size_t)(x->end - x->p) >= l && memcmp(x->p, s, l) == 0;
}

/* Skips to just after `term`; error if absent. */
static int skip_past(xp *x, const char *term, const char *what)
{
    while (x->p < x->end && !at(x, term))
        adv(x, 1);
    if (x->p >= x->end)
        return fail(x, what);
    adv(x, strlen(term));
    return 0;
}

static void skip_ws(xp *x)
{
    while (x->p < x->end && isspace((unsigned char)*x->p))
        adv(x, 1);
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':' ||
           (unsigned char)c >= 0x80;
}

static char *read_name(xp *x)
{
    const char *s = x->p;
    while (x->p < x->end && name_char(*x->p))
        x->p++;
    if (x->p == s)
        return NULL;
    return bs_arena_strndup(x->a, s, (size_t)(x->p - s));
}

/* Decodes entities of [s,s+n) into the arena. */
static char *decode(xp *x, const char *s, size_t n)
{
    char *o = bs_arena_alloc(x->a, n + 1);
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            o[k++] = s[i];
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        if (!semi) {
            o[k++] = '&';   /* tolerant: a bare ampersand */
            continue;
        }
        size_t el = (size_t)(semi - (s + i)) + 1;
        static const struct { const char *e; char c; } ents[] = {
            {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++)
            if (el == strlen(ents[e].e) && memcmp(s + i, ents[e].e, el) == 0) {
                o[k++] = ents[e].c;
                done = true;
            }
        if (!done && el > 3 && s[i + 1] == '#') {
            long v = s[i + 2] == 'x' ? strtol(s + i + 3, NULL, 16) : strtol(s + i + 2, NULL, 10);
            o[k++] = v > 0 && v < 128 ? (char)v : '?';
            done = true;
        }
        if (!done) {
            o[k++] = '&';
            continue;
        }
        i += el - 1;
    }
    o[k] = 0;
    return o;
}

static char *trim_inplace(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int parse_attrs(xp *x, bs_xnode *n, bool *selfclose)
{
    int cap = 0;
    for (;;) {
        skip_ws(x);
        if (x->p >= x->end)
            return fail(x, "expected '>' closing a start tag, got end of file");
        if (*x->p == '>') {
            adv(x, 1);
            *selfclose = false;
            return 0;
        }
        if (at(x, "/>")) {
            adv(x, 2);
            *selfclose = true;
            return 0;
        }
        char *name = read_name(x);
        if (!name)
            return fail(x, "expected an attribute name or '>'");
        skip_ws(x);
        if (x->p >= x->end || *x->p != '=')
            return fail(x, "expected '=' after an attribute name");
        adv(x, 1);
        skip_ws(x);
        if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
            return fail(x, "expected a quoted attribute value");
        char q = *x->p;
        adv(x, 1);
        const char *vs = x->p;
        while (x->p < x->end && *x->p != q)
            adv(x, 1);
        if (x->p >= x->end)
            return fail(x, "expected the closing quote of an attribute value");
        char *val = decode(x, vs, (size_t)(x->p - vs));
        adv(x, 1);
        if (!val)
            return BS_ENOMEM;
        if (n->nattr == cap) {
            cap = cap ? cap * 2 : 8;
            bs_xattr *na = bs_arena_calloc(x->a, (size_t)cap, sizeof *na);
            if (!na)
                return BS_ENOMEM;
            if (n->nattr)
                memcpy(na, n->attr, (size_t)n->nattr * sizeof *na);
            n->attr = na;
        }
        n->attr[n->nattr].name = name;
        n->attr[n->nattr].value = val;
        n->nattr++;
    }
}

int bs_xml_parse(bs_arena *a, const char *text, size_t len, bs_xnode **root, int *err_line,
                 char *err, size_t errn)
{
    xp x = {a, text, text + len, 1, err, errn, 0};
    bs_xnode *cur = NULL, *top = NULL;
    bs_xnode **tail_stack[256];
    int depth = 0;
    int rc = 0;
    /* character data of the current element accumulates here */
    const char *tstart = NULL;
    while (x.p < x.end) {
        if (*x.p != '<') {
            if (!tstart)
                tstart = x.p;
            adv(&x, 1);
            continue;
        }
        if (tstart && cur) {
            char *t = decode(&x, tstart, (size_t)(x.p - tstart));
            if (!t)
                return BS_ENOMEM;
            t = trim_inplace(t);
            if (*t)
                cur->text = cur->text && *cur->text ? bs_arena_sprintf(a, "%s %s", cur->text, t) : t;
        }
        tstart = NULL;
        if (at(&x, "<!--")) {
            if ((rc = skip_past(&x, "-->", "expected '-->' closing a comment")))
                goto out;
        } else if (at(&x, "<?")) {
            if ((rc = skip_past(&x, "?>", "expected '?>' closing a processing instruction")))
                goto out;
        } else if (at(&x, "<![CDATA[")) {
            adv(&x, 9);
            const char *cs = x.p;
            if ((rc = skip_past(&x, "]]>", "expected ']]>' closing CDATA")))
                goto out;
            if (cur) {
                char *t = bs_arena_strndup(a, cs, (size_t)(x.p - 3 - cs));
                if (!t)
                    return BS_ENOMEM;
                cur->text = cur->text && *cur->text ? bs_arena_sprintf(a, "%s%s", cur->text, t) : t;
            }
        } else if (at(&x, "<!")) {
            if ((rc = skip_past(&x, ">", "expected '>' closing a declaration")))
                goto out;
        } else if (at(&x, "</")) {
            adv(&x, 2);
            char *name = read_name(&x);
            skip_ws(&x);
            if (!name || x.p >= x.end || *x.p != '>') {
                rc = fail(&x, x.p >= x.end ? "expected '>' after an end tag name, got end of file"
                                           : "expected '>' after an end tag name");
                goto out;
            }
            adv(&x, 1);
            if (!cur) {
                rc = fail(&x, "end tag without a matching start tag");
                goto out;
            }
            if (strcmp(name, cur->name) != 0) {
                char m[200];
                snprintf(m, sizeof m, "expected </%.60s>, got </%.60s>", cur->name, name);
                rc = fail(&x, m);
                goto out;
            }
            cur = cur->parent;
            depth--;
        } else {
            adv(&x, 1);
            bs_xnode *n = bs_arena_calloc(a, 1, sizeof *n);
            if (!n)
                return BS_ENOMEM;
            n->line = x.line;
            n->name = read_name(&x);
            if (!n->name) {
                rc = fail(&x, x.p >= x.end ? "expected an element name after '<', got end of file"
                                           : "expected an element name after '<'");
                goto out;
            }
            bool selfclose = false;
            if ((rc = parse_attrs(&x, n, &selfclose)))
                goto out;
            n->parent = cur;
            if (cur) {
                *tail_stack[depth - 1] = n;
                tail_stack[depth - 1] = &n->next;
            } else if (!top) {
                top = n;
            } else {
                rc = fail(&x, "expected one root element, found a second");
                goto out;
            }
            if (!selfclose) {
                if (depth >= (int)(sizeof tail_stack / sizeof tail_stack[0])) {
                    rc = fail(&x, "elements nested too deeply (> 256)");
                    goto out;
                }
                tail_stack[depth++] = &n->child;
                cur = n;
            }
        }
    }
    if (cur) {
        char m[200];
        snprintf(m, sizeof m, "expected </%.60s> (opened on line %d), got end of file", cur->name,
                 cur->line);
        rc = fail(&x, m);
        goto out;
    }
    if (!top) {
        rc = fail(&x, "expected a root element, found none");
        goto out;
    }
    *root = top;
    return 0;
out:
    *err_line = x.err_line ? x.err_line : x.line;
    return rc ? rc : BS_EPARSE;
}

const bs_xnode *bs_xml_child(const bs_xnode *n, const char *name)
{
    for (const bs_xnode *c = n ? n->child : NULL; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const bs_xnode *bs_xml_path(const bs_xnode *n, const char *path)
{
    char seg[128];
    while (n && *path) {
        const char *q = strchr(path, '/');
        size_t l = q ? (size_t)(q - path) : strlen(path);
        if (l >= sizeof seg)
            return NULL;
        memcpy(seg, path, l);
        seg[l] = 0;
        n = bs_xml_child(n, seg);
        path += l;
        if (*path == '/')
            path++;
    }
    return n;
}

const char *bs_xml_attr(const bs_xnode *n, const char *name)
{
    for (int i = 0; n && i < n->nattr; i++)
        if (strcmp(n->attr[i].name, name) == 0)
            return n->attr[i].value;
    return NULL;
}
