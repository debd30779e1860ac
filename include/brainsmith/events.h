/* events.h - the in-process event bus.
 *
 * Every state change and progress line in brainsmith is an event: a kind
 * ("task.state", "step.start", "transform", "metric", ...), the build and
 * task it belongs to, and a JSON payload.  Publishers call bs_bus_publish();
 * subscribers (CLI progress, SSE stream, history, alerts, the orchestrator's
 * events table writer) get every event synchronously, in order, on the
 * publishing thread.  The orchestrator assigns the persistent sequence
 * number when it stores the event; seq is 0 for events not (yet) stored. */
#ifndef BRAINSMITH_EVENTS_H
#define BRAINSMITH_EVENTS_H

#include <stdint.h>

typedef struct bs_event {
    int64_t seq;           /* persistent sequence number, 0 if not stored */
    int64_t time_ms;       /* wall clock, epoch ms */
    const char *kind;      /* dotted kind, e.g. "task.state" */
    const char *build_id;  /* may be NULL */
    int64_t task_id;       /* 0 if none */
    const char *payload;   /* JSON object text, may be NULL */
} bs_event;

typedef void (*bs_event_fn)(const bs_event *ev, void *ud);

typedef struct bs_bus bs_bus;

bs_bus *bs_bus_new(void);
void bs_bus_free(bs_bus *b);
/* Returns a subscription id > 0, or a negative error. */
int bs_bus_subscribe(bs_bus *b, const char *kind_prefix /* NULL = all */, bs_event_fn fn, void *ud);
void bs_bus_unsubscribe(bs_bus *b, int id);
/* Delivers ev to every matching subscriber.  Thread-safe; subscribers may
 * not (un)subscribe from inside a callback. */
void bs_bus_publish(bs_bus *b, const bs_event *ev);
/* Convenience: builds the event (time = now) and publishes it. */
void bs_bus_emit(bs_bus *b, const char *kind, const char *build_id, int64_t task_id,
                 const char *payload_json);

/* The process-wide default bus (created on first use). */
bs_bus *bs_bus_default(void);

#endif
