/* events.c - in-process publish/subscribe bus.
 *
 * Delivery is synchronous and ordered; a mutex serialises publishers so
 * every subscriber sees the same order.  Subscription lists are small
 * (a handful of consumers), so a flat array is the right structure. */
#include "brainsmith/events.h"
#include "brainsmith/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct sub {
    int id;
    char *prefix;
    size_t prefix_len;
    bs_event_fn fn;
    void *ud;
} sub;

struct bs_bus {
    pthread_mutex_t mu;
    sub *subs;
    int n, cap, next_id;
};

bs_bus *bs_bus_new(void)
{
    bs_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    /* Recursive: a subscriber may publish a derived event. */
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&b->mu, &at);
    pthread_mutexattr_destroy(&at);
    b->next_id = 1;
    return b;
}

void bs_bus_free(bs_bus *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++)
        free(b->subs[i].prefix);
    free(b->subs);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

int bs_bus_subscribe(bs_bus *b, const char *prefix, bs_event_fn fn, void *ud)
{
    pthread_mutex_lock(&b->mu);
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 8;
        sub *ns = realloc(b->subs, (size_t)cap * sizeof *ns);
        if (!ns) {
            pthread_mutex_unlock(&b->mu);
            return -1;
        }
        b->subs = ns;
        b->cap = cap;
    }
    sub *s = &b->subs[b->n++];
    s->id = b->next_id++;
    s->prefix = prefix ? strdup(prefix) : NULL;
    s->prefix_len = prefix ? strlen(prefix) : 0;
    s->fn = fn;
    s->ud = ud;
    int id = s->id;
    pthread_mutex_unlock(&b->mu);
    return id;
}

void bs_bus_unsubscribe(bs_bus *b, int id)
{
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < b->n; i++) {
        if (b->subs[i].id == id) {
            free(b->subs[i].prefix);
            memmove(&b->subs[i], &b->subs[i + 1], (size_t)(b->n - i - 1) * sizeof *b->subs);
            b->n--;
            break;
        }
    }
    pthread_mutex_unlock(&b->mu);
}

void bs_bus_publish(bs_bus *b, const bs_event *ev)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < b->n; i++) {
        const sub *s = &b->subs[i];
        if (!s->prefix || (ev->kind && strncmp(ev->kind, s->prefix, s->prefix_len) == 0))
            s->fn(ev, s->ud);
    }
    pthread_mutex_unlock(&b->mu);
}

void bs_bus_emit(bs_bus *b, const char *kind, const char *build_id, int64_t task_id,
                 const char *payload_json)
{
    bs_event ev = {0, bs_now_ms(), kind, build_id, task_id, payload_json};
    bs_bus_publish(b, &ev);
}

static bs_bus *default_bus;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static void make_default(void) { default_bus = bs_bus_new(); }

bs_bus *bs_bus_default(void)
{
    pthread_once(&default_once, make_default);
    return default_bus;
}
