/* bench-load.c — signpost-server under the load of a region's desks
 *
 * Issue 7's server target: 300 desks polling and 50 pushing at once, at
 * least 2,000 requests a second on 2 cores with p99 under 100 ms, and the
 * server's open files and memory flat over ten minutes.
 *
 * The real signpost-server runs on loopback (tests/sp-server-fixture.h) on
 * a database loaded the way a real one is: 10 practices, a user for every
 * desk, and a generated size-S store (one surgery: 3,000 patients, the
 * 1,000-offering catalogue, about 100,000 records) pushed by a desk of
 * practice Y99999 through the real sync client. That database is made
 * once and kept in the build folder (SIGNPOST_BENCH_DIR), like the
 * generated stores; each run works on a fresh copy of it.
 *
 * Each run: 350 desks sign in (35 per practice: 30 link workers' desks
 * polling, 5 pushing), each pushing desk registers 20 patients of its own,
 * and every desk starts from the server's newest change, as desks that
 * have already synced. What they send:
 *
 *   polling desks  GET /v1/changes?since=CURSOR&limit=500, the cursor set
 *                  to each page's last_seq, as the desk client does;
 *   pushing desks  PUT /v1/batches/NEW-ID with 1–10 ops: edits of their
 *                  patients (notes and phone, with base_rev and old values)
 *                  and new assessments (PHQ-9), every op expected applied.
 *
 * Then two timed runs:
 *
 *   capacity  closed loop with no think time, each desk sending its next
 *             request as soon as it has its answer, for
 *             SIGNPOST_BENCH_LOAD_SECONDS (60; the full run is
 *             600) after a warm-up of 5 s: requests per second, the
 *             median of the 10-s intervals with min and max. Every 10 s
 *             the server's open files (/proc/PID/fd), resident memory
 *             (VmRSS), log size and CPU, and the CPU of this client and
 *             of every other process; at the end, whether files and memory
 *             stayed flat. Latency here is only how the wait is shared:
 *             in a closed loop the mean is the desks ÷ the rate (Little's
 *             law), so 350 desks at 2,000/s wait 175 ms on average
 *             whatever the server does.
 *   paced     SIGNPOST_BENCH_LOAD_PACED_RATE requests a second (2,000)
 *             for SIGNPOST_BENCH_LOAD_PACED_SECONDS (20; 0 skips it), each
 *             desk in turn on a fixed schedule: the p99 target, with each
 *             latency counted from the request's slot, so a request that
 *             waits for its desk's previous one counts that wait too.
 *
 * SIGNPOST_BENCH_LOAD_PUSHERS (5 a practice; 0 for polls only) tells the
 * cost of a request from that of the records the pushes make to fetch.
 *
 * Errors in both: any answer but 2xx, any op not applied, any failed
 * connection. The load client is one thread on epoll with non-blocking
 * sockets and HTTP/1.1 written by hand, so it takes as little as it can of
 * the two cores it shares with the server; every body is built and read
 * with json-glib. It asks to keep its connections (the server runs with
 * --keep-alive 1000) and opens a new one when an answer says close;
 * SIGNPOST_BENCH_LOAD_KEEPALIVE=0 asks for close, a connection per
 * request, and starts the server without --keep-alive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bench-common.h"
#include "sp-entity.h"
#include "sp-store-private.h"
#include "sp-sync-client.h"
#include "sp-sync-store.h"
#include "sp-validate.h"
#include "../sp-server-fixture.h"

/* Bump when what the loaded database holds changes (2: server schema 3,
 * change entries kept as text): it is made again. */
#define LOAD_DB_VERSION       2

#define N_PRACTICES           10
#define POLLERS_PER_PRACTICE  30
#define PUSHERS_PER_PRACTICE  5
#define PATIENTS_PER_PUSHER   20
#define MAX_OPS_PER_BATCH     10
#define PAGE_LIMIT            500
#define WARMUP_SECONDS        5
#define PACED_WARMUP_SECONDS  2
#define PACED_DRAIN_SECONDS   30
#define DEFAULT_PACED_SECONDS 20
#define SAMPLE_SECONDS        10
#define DEFAULT_SECONDS       60
#define PASSWORD              "a long benchmark password"
#define SEED_ADMIN            "load.admin"
#define MAX_ERRORS_SHOWN      10

#define TARGET_RATE           2000.0
#define TARGET_P99            0.100

typedef enum
{
  KIND_POLL,
  KIND_PUSH,
  N_KINDS,
} Kind;

static const char * const kind_names[N_KINDS] = { "poll GET /v1/changes", "push PUT /v1/batches" };

typedef enum
{
  REQUEST_SIGN_IN,
  REQUEST_SETUP,
  REQUEST_POLL,
  REQUEST_PUSH,
} RequestType;

typedef enum
{
  PHASE_SIGN_IN,
  PHASE_SETUP,
  PHASE_RUN,    /* capacity: closed loop, no think time */
  PHASE_CATCH_UP,  /* polling desks fetch what they are behind by */
  PHASE_PACED,  /* latency: a fixed rate of requests, on a schedule */
} Phase;

/* What one timed phase measured, in its window. */
typedef struct
{
  GArray  *latency[N_KINDS];   /* seconds */
  guint64  completed[N_KINDS];
  guint64  interval[N_KINDS];  /* since the last sample */
  guint64  errors[N_KINDS];
  guint64  records_pulled;
  guint64  ops_applied;
  guint64  ops_not_applied;
  guint64  unanswered;         /* paced: due, never sent (the drain gave up) */
  gint64   last_answer;        /* µs: when the last counted answer came */
} Figures;

typedef struct _Load Load;

/* A patient a pushing desk registered and goes on editing. */
typedef struct
{
  char   *id;
  char   *nhs_number;
  char   *notes;
  char   *phone;
  gint64  rev;        /* 0: not on the server yet */
} OwnPatient;

typedef struct
{
  Load        *load;
  guint        index;
  gboolean     pusher;
  char        *username;
  const char  *practice;
  char        *token;
  gint64       cursor;
  gboolean     behind;       /* the last page said more */
  GPtrArray   *patients;     /* OwnPatient, pushing desks only */
  GArray      *op_patients;  /* the batch in flight: per op, the patient it edits or registers, or -1 */
  GPtrArray   *op_changes;   /* per op, the notes and phone it sets (NULL for other ops) */
  guint        n_edits;

  /* The connection and the request on it. */
  int          fd;
  gboolean     connecting;
  guint        served;       /* answers taken on this connection */
  gboolean     busy;
  gboolean     queued;
  RequestType  type;
  GString     *request;
  gsize        sent;
  GByteArray  *answer;
  gsize        head_length;  /* 0 until the whole head has come */
  guint        status;
  gboolean     close_after;
  gboolean     chunked;
  gint64       content_length;  /* -1: until the server closes */
  gint64       started;
  gint64       due;          /* latency counts from here: sent, or paced, its slot */
  GArray      *owed;         /* paced: slots (µs) come while the desk was busy */
} Desk;

struct _Load
{
  int                 epoll;
  struct sockaddr_in  address;
  char               *host;
  GPtrArray          *desks;
  GQueue              ready;      /* desks to give their next request */
  guint               busy;
  Phase               phase;
  GRand              *rand;
  SpServerFixture    *server;
  gboolean            keep_alive;   /* ask for it, or a connection per request */

  gint64              measure_from;  /* µs, monotonic */
  gint64              stop_at;
  gboolean            sampled_last;  /* desks go on until the last sample is in */

  /* Paced: request k is due at paced_start + k / rate, from desk
   * order[k % desks]. */
  gint64              paced_start;
  gdouble             paced_rate;    /* requests a second */
  guint64             next_slot;
  GPtrArray          *order;

  Figures            *figures;       /* the timed phase's, or NULL */
  guint64             setup_errors;
  guint64             connections;
  guint64             catch_up_pages;
  guint64             catch_up_records;
  guint64             retries;
  guint               shown_errors;
};

static void desk_queue (Desk *desk);

/* ---- Small things ---------------------------------------------------------- */

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static char *
json_text (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static const char *
practice_code (guint p)
{
  static char codes[N_PRACTICES][8];

  if (p == 0)
    return SP_GENERATE_PRACTICE;
  if (codes[p][0] == '\0')
    g_snprintf (codes[p], sizeof codes[p], "P%05u", 10000 + p);
  return codes[p];
}

static char *
desk_username (guint p,
               guint i)
{
  return g_strdup_printf ("lw.p%02u.%02u", p, i);
}

/* A valid NHS number from the never-issued 999 range. */
static char *
new_nhs_number (GRand *rand)
{
  for (;;)
    {
      char *digits = g_strdup_printf ("999%07u", (guint) g_rand_int_range (rand, 0, 10000000));

      if (sp_nhs_number_is_valid (digits))
        return digits;
      g_free (digits);
    }
}

static void
own_patient_free (gpointer data)
{
  OwnPatient *patient = data;

  g_free (patient->id);
  g_free (patient->nhs_number);
  g_free (patient->notes);
  g_free (patient->phone);
  g_free (patient);
}

/* ---- The server's process -------------------------------------------------------- */

static gdouble
file_mb (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size / 1e6 : 0;
}

typedef struct
{
  gdouble t;          /* seconds into the measured window */
  guint   fds;
  gdouble rss_mb;
  gdouble cpu;        /* server CPU seconds so far */
  gdouble wal_mb;     /* the database's write-ahead log */
  gdouble machine;    /* CPU seconds of every process so far (/proc/stat) */
} Sample;

static gdouble
server_rss_mb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024.0 : -1;
}

/* User and system CPU seconds of the process, from /proc/PID/stat. */
static gdouble
server_cpu (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  after = strrchr (stat, ')');
  if (after == NULL)
    return -1;
  /* After "pid (comm)": state is field 3, utime 14 and stime 15. */
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* Busy CPU seconds of the whole machine since boot, every core. */
static gdouble
machine_cpu (void)
{
  g_autofree char *stat = NULL;
  guint64 user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL) ||
      sscanf (stat, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &user, &nice, &system, &idle, &iowait, &irq, &softirq, &steal) < 4)
    return -1;
  return (user + nice + system + irq + softirq + steal) / (gdouble) sysconf (_SC_CLK_TCK);
}

static void
take_sample (Load   *load,
             GArray *samples,
             gdouble t)
{
  GPid pid = sp_server_fixture_get_pid (load->server);
  g_autofree char *wal = g_strconcat (sp_server_fixture_get_db_path (load->server), "-wal", NULL);
  Sample sample = { t, sp_server_fixture_count_fds (load->server), server_rss_mb (pid), server_cpu (pid),
                    file_mb (wal), machine_cpu () };

  g_array_append_val (samples, sample);
}

/* ---- HTTP on the desks' connections ------------------------------------------------- */

static void
desk_close (Desk *desk)
{
  if (desk->fd < 0)
    return;
  epoll_ctl (desk->load->epoll, EPOLL_CTL_DEL, desk->fd, NULL);
  close (desk->fd);
  desk->fd = -1;
  desk->connecting = FALSE;
  desk->served = 0;
}

static void
desk_reset_answer (Desk *desk)
{
  g_byte_array_set_size (desk->answer, 0);
  desk->head_length = 0;
  desk->status = 0;
  desk->close_after = FALSE;
  desk->chunked = FALSE;
  desk->content_length = -1;
}

static Kind
kind_of (RequestType type)
{
  return type == REQUEST_PUSH ? KIND_PUSH : KIND_POLL;
}

/* Counted: in the capacity run, requests sent and answered in the window;
 * paced, requests due in it, however late they are answered. */
static gboolean
in_window (Load   *load,
           gint64  due,
           gint64  ended)
{
  if (load->figures == NULL || due < load->measure_from)
    return FALSE;
  return load->phase == PHASE_PACED ? due < load->stop_at : ended <= load->stop_at;
}

static void
count_error (Desk       *desk,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
count_error (Desk       *desk,
             const char *format,
             ...)
{
  Load *load = desk->load;
  va_list args;

  if (load->figures != NULL && (desk->type == REQUEST_POLL || desk->type == REQUEST_PUSH))
    load->figures->errors[kind_of (desk->type)]++;
  else
    load->setup_errors++;
  if (load->shown_errors++ < MAX_ERRORS_SHOWN)
    {
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      printf ("# error: %s (%s)\n", message, desk->username);
    }
}

static gboolean desk_connect (Desk *desk);
static void     desk_send    (Desk *desk);

static gboolean
load_phase_is_paced (Load *load)
{
  return load->phase == PHASE_PACED;
}

/* The request failed on the wire: counted, the connection dropped, and
 * the desk goes on with its next one. Unless the server had closed a
 * kept-alive connection before the request reached it (nothing of an
 * answer came): then it is sent again on a new connection, as HTTP
 * clients do (RFC 9112, 9.3.1), and counted as a retry. */
static void
desk_fail (Desk       *desk,
           const char *what,
           int         errnum)
{
  if (desk->served > 0 && desk->answer->len == 0)
    {
      desk->load->retries++;
      desk_close (desk);
      desk->sent = 0;
      desk_reset_answer (desk);
      if (desk_connect (desk))
        {
          desk_send (desk);
          return;
        }
      what = "connecting";
      errnum = errno;
    }
  count_error (desk, "%s: %s", what, g_strerror (errnum));
  desk_close (desk);
  desk->busy = FALSE;
  desk->load->busy--;
  desk_queue (desk);
}

static gboolean
desk_connect (Desk *desk)
{
  Load *load = desk->load;
  struct epoll_event event = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = desk };
  int one = 1;

  desk->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (desk->fd < 0)
    return FALSE;
  setsockopt (desk->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  load->connections++;
  if (connect (desk->fd, (struct sockaddr *) &load->address, sizeof load->address) < 0)
    {
      if (errno != EINPROGRESS)
        return FALSE;
      desk->connecting = TRUE;
    }
  if (epoll_ctl (load->epoll, EPOLL_CTL_ADD, desk->fd, &event) < 0)
    return FALSE;
  return TRUE;
}

static void
desk_send (Desk *desk)
{
  while (!desk->connecting && desk->sent < desk->request->len)
    {
      ssize_t n = send (desk->fd, desk->request->str + desk->sent, desk->request->len - desk->sent, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
          if (errno == EINTR)
            continue;
          desk_fail (desk, "sending", errno);
          return;
        }
      desk->sent += n;
    }
}

/* Sends a request; @body (JSON) may be NULL. */
static void
desk_start (Desk        *desk,
            RequestType  type,
            const char  *method,
            const char  *path,
            const char  *body)
{
  GString *request = desk->request;

  desk->type = type;
  desk->started = now_us ();
  if (!load_phase_is_paced (desk->load))
    desk->due = desk->started;  /* paced: its slot, set by desk_next() */
  desk->sent = 0;
  desk_reset_answer (desk);
  g_string_printf (request, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\nAccept: application/json\r\n",
                   method, path, desk->load->host, desk->load->keep_alive ? "keep-alive" : "close");
  if (desk->token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", desk->token);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                            strlen (body), body);
  else
    g_string_append (request, "\r\n");

  desk->busy = TRUE;
  desk->load->busy++;
  if (desk->fd < 0 && !desk_connect (desk))
    {
      desk_fail (desk, "connecting", errno);
      return;
    }
  desk_send (desk);
}

/* Reads the head once it has all come: status, length, keep-alive. */
static gboolean
parse_head (Desk *desk)
{
  const char *data = (const char *) desk->answer->data;
  const char *end = g_strstr_len (data, desk->answer->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean http10;

  if (end == NULL)
    return TRUE;
  desk->head_length = end - data + 4;
  if (desk->head_length < 13 || strncmp (data, "HTTP/1.", 7) != 0)
    return FALSE;
  http10 = data[7] == '0';
  desk->status = (guint) g_ascii_strtoull (data + 9, NULL, 10);
  desk->close_after = http10;
  head = g_strndup (data, end - data);
  lines = g_strsplit (head, "\r\n", 0);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      char *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (lines[i], "Content-Length") == 0)
        desk->content_length = (gint64) g_ascii_strtoull (value, NULL, 10);
      else if (g_ascii_strcasecmp (lines[i], "Transfer-Encoding") == 0)
        desk->chunked = strstr (value, "chunked") != NULL;
      else if (g_ascii_strcasecmp (lines[i], "Connection") == 0)
        {
          if (g_ascii_strcasecmp (value, "close") == 0)
            desk->close_after = TRUE;
          else if (g_ascii_strcasecmp (value, "keep-alive") == 0)
            desk->close_after = FALSE;
        }
    }
  return TRUE;
}

/* A chunked body, decoded into @body once all of it has come. */
static gboolean
decode_chunked (const guint8 *data,
                gsize         length,
                GByteArray   *body,
                gboolean     *complete)
{
  gsize at = 0;

  *complete = FALSE;
  g_byte_array_set_size (body, 0);
  for (;;)
    {
      const char *line_end = g_strstr_len ((const char *) data + at, length - at, "\r\n");
      guint64 size;

      if (line_end == NULL)
        return TRUE;
      size = g_ascii_strtoull ((const char *) data + at, NULL, 16);
      at = (const guint8 *) line_end - data + 2;
      if (size == 0)
        {
          /* No trailers from this server: the empty line ends it. */
          *complete = length - at >= 2;
          return TRUE;
        }
      if (length - at < size + 2)
        return TRUE;
      g_byte_array_append (body, data + at, size);
      at += size + 2;
    }
}

static void desk_answered (Desk         *desk,
                           const char   *body,
                           gsize         length);

/* What has come so far: the whole answer (handled), or wait for more. */
static void
desk_check_answer (Desk     *desk,
                   gboolean  eof)
{
  if (desk->head_length == 0)
    {
      if (!parse_head (desk))
        {
          desk_fail (desk, "reading the answer", EPROTO);
          return;
        }
      if (desk->head_length == 0)
        {
          if (eof)
            desk_fail (desk, desk->answer->len == 0 ? "answer" : "answer cut short", ECONNRESET);
          return;
        }
    }

  if (desk->chunked)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      gboolean complete;

      decode_chunked (desk->answer->data + desk->head_length, desk->answer->len - desk->head_length,
                      body, &complete);
      if (complete)
        desk_answered (desk, (const char *) body->data, body->len);
      else if (eof)
        desk_fail (desk, "chunked answer cut short", ECONNRESET);
    }
  else if (desk->content_length >= 0)
    {
      if (desk->answer->len - desk->head_length >= (gsize) desk->content_length)
        desk_answered (desk, (const char *) desk->answer->data + desk->head_length, desk->content_length);
      else if (eof)
        desk_fail (desk, "answer cut short", ECONNRESET);
    }
  else if (eof)
    {
      desk->close_after = TRUE;
      desk_answered (desk, (const char *) desk->answer->data + desk->head_length,
                     desk->answer->len - desk->head_length);
    }
}

static void
desk_receive (Desk *desk)
{
  for (;;)
    {
      gsize before = desk->answer->len;
      ssize_t n;

      g_byte_array_set_size (desk->answer, before + 16384);
      n = recv (desk->fd, desk->answer->data + before, 16384, 0);
      g_byte_array_set_size (desk->answer, before + MAX (n, 0));
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              desk_check_answer (desk, FALSE);
              return;
            }
          desk_fail (desk, "receiving", errno);
          return;
        }
      if (n == 0)
        {
          desk_check_answer (desk, TRUE);
          return;
        }
    }
}

/* One epoll event on the desk's socket. */
static void
desk_event (Desk     *desk,
            guint32   events)
{
  if (desk->fd < 0)
    return;
  if (!desk->busy)
    {
      /* An idle connection: the server may close it (its idle timeout). */
      char byte;
      ssize_t n = recv (desk->fd, &byte, 1, MSG_PEEK);

      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        desk_close (desk);
      return;
    }
  if (desk->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
    {
      int error = 0;
      socklen_t size = sizeof error;

      getsockopt (desk->fd, SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0)
        {
          desk_fail (desk, "connecting", error);
          return;
        }
      desk->connecting = FALSE;
    }
  if (desk->sent < desk->request->len)
    {
      desk_send (desk);
      if (!desk->busy || desk->sent < desk->request->len)
        return;
    }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    desk_receive (desk);
}

/* ---- What desks send and what they make of the answers ------------------------------- */

static char *
sign_in_body (Desk *desk)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, desk->username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, PASSWORD);
  json_builder_end_object (builder);
  return json_text (builder);
}

static void
begin_op (JsonBuilder *builder,
          const char  *kind,
          const char  *entity,
          const char  *id,
          gint64       base_rev)
{
  g_autofree char *op_id = g_uuid_string_random ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "op_id");
  json_builder_add_string_value (builder, op_id);
  json_builder_set_member_name (builder, "entity");
  json_builder_add_string_value (builder, entity);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "base_rev");
  json_builder_add_int_value (builder, base_rev);
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, kind);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_patient_create (Desk        *desk,
                    JsonBuilder *builder,
                    OwnPatient  *patient,
                    guint        n)
{
  g_autofree char *given = g_strdup_printf ("Load%u", n);

  begin_op (builder, "create", "patient", patient->id, 0);
  json_builder_set_member_name (builder, "changed");
  json_builder_begin_object (builder);
  add_string (builder, "practice", desk->practice);
  add_string (builder, "nhs_number", patient->nhs_number);
  add_string (builder, "given_name", given);
  add_string (builder, "family_name", desk->username);
  add_string (builder, "date_of_birth", "1961-04-17");
  add_string (builder, "sex", "female");
  add_string (builder, "postcode", "HF1 2AB");
  add_string (builder, "phone", patient->phone);
  add_string (builder, "preferred_contact", "phone");
  json_builder_set_member_name (builder, "consent_gp");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "consent_contact");
  json_builder_add_boolean_value (builder, TRUE);
  add_string (builder, "notes", patient->notes);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "old");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/* The desk's patients not yet on the server, registered in one batch. */
static char *
setup_body (Desk *desk)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_array_set_size (desk->op_patients, 0);
  g_ptr_array_set_size (desk->op_changes, 0);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ops");
  json_builder_begin_array (builder);
  for (guint i = 0; i < desk->patients->len; i++)
    {
      OwnPatient *patient = desk->patients->pdata[i];
      gint index = (gint) i;

      if (patient->rev > 0)
        continue;
      add_patient_create (desk, builder, patient, i);
      g_array_append_val (desk->op_patients, index);
      g_ptr_array_add (desk->op_changes, NULL);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_text (builder);
}

/* Whether the batch being made already edits the patient @id. */
static gboolean
batch_edits (Desk       *desk,
             const char *id)
{
  for (guint i = 0; i < desk->op_changes->len; i++)
    {
      char **change = desk->op_changes->pdata[i];

      if (change != NULL && g_str_equal (change[0], id))
        return TRUE;
    }
  return FALSE;
}

/* 1–10 ops: a patient's notes and phone edited (the base_rev and old
 * values a desk sends), or a PHQ-9 taken. */
static char *
push_body (Desk *desk)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GRand *rand = desk->load->rand;
  guint n_ops = (guint) g_rand_int_range (rand, 1, MAX_OPS_PER_BATCH + 1);
  g_autofree char *now = sp_now_utc ();

  g_array_set_size (desk->op_patients, 0);
  g_ptr_array_set_size (desk->op_changes, 0);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ops");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_ops; i++)
    {
      gint index = (gint) g_rand_int_range (rand, 0, (gint32) desk->patients->len);
      OwnPatient *patient = desk->patients->pdata[index];

      if (g_rand_boolean (rand) && !batch_edits (desk, patient->id))
        {
          /* One edit of a patient per batch, as the outbox folds them. */
          char **change = g_new0 (char *, 4);

          desk->n_edits++;
          change[0] = g_strdup (patient->id);
          change[1] = g_strdup_printf ("Seen on %s; follow-up call %u.", now, desk->n_edits);
          change[2] = g_strdup_printf ("01632 96%04u", desk->n_edits % 10000);
          begin_op (builder, "update", "patient", patient->id, patient->rev);
          json_builder_set_member_name (builder, "changed");
          json_builder_begin_object (builder);
          add_string (builder, "notes", change[1]);
          add_string (builder, "phone", change[2]);
          json_builder_end_object (builder);
          json_builder_set_member_name (builder, "old");
          json_builder_begin_object (builder);
          add_string (builder, "notes", patient->notes);
          add_string (builder, "phone", patient->phone);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
          g_ptr_array_add (desk->op_changes, change);
        }
      else
        {
          g_autofree char *id = g_uuid_string_random ();

          begin_op (builder, "create", "assessment", id, 0);
          json_builder_set_member_name (builder, "changed");
          json_builder_begin_object (builder);
          add_string (builder, "practice", desk->practice);
          add_string (builder, "patient_id", patient->id);
          add_string (builder, "referral_id", NULL);
          add_string (builder, "measure", "phq9");
          json_builder_set_member_name (builder, "answers");
          json_builder_begin_array (builder);
          for (guint k = 0; k < 9; k++)
            json_builder_add_int_value (builder, g_rand_int_range (rand, 0, 4));
          json_builder_end_array (builder);
          add_string (builder, "stage", "follow_up");
          add_string (builder, "taken_at", now);
          json_builder_end_object (builder);
          json_builder_set_member_name (builder, "old");
          json_builder_begin_object (builder);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
          index = -1;
          g_ptr_array_add (desk->op_changes, NULL);
        }
      g_array_append_val (desk->op_patients, index);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_text (builder);
}

static void
op_change_free (gpointer data)
{
  g_strfreev (data);
}

static void
take_sign_in (Desk       *desk,
              JsonObject *answer)
{
  const char *token = json_object_get_string_member_with_default (answer, "token", NULL);

  if (token == NULL)
    {
      count_error (desk, "signing in: no token in the answer");
      return;
    }
  g_free (desk->token);
  desk->token = g_strdup (token);
}

static void
take_page (Desk       *desk,
           JsonObject *page,
           gboolean    counted)
{
  JsonArray *changes = json_object_get_array_member (page, "changes");

  if (changes == NULL || !json_object_has_member (page, "last_seq"))
    {
      count_error (desk, "a page without changes or last_seq");
      return;
    }
  desk->cursor = json_object_get_int_member (page, "last_seq");
  desk->behind = json_object_get_boolean_member_with_default (page, "more", FALSE);
  if (desk->load->phase == PHASE_CATCH_UP)
    {
      desk->load->catch_up_pages++;
      desk->load->catch_up_records += json_array_get_length (changes);
    }
  if (counted)
    desk->load->figures->records_pulled += json_array_get_length (changes);
}

static void
take_results (Desk       *desk,
              JsonObject *answer,
              gboolean    counted)
{
  Load *load = desk->load;
  JsonArray *results = json_object_get_array_member (answer, "results");
  guint n = results != NULL ? json_array_get_length (results) : 0;

  if (n != desk->op_patients->len)
    {
      count_error (desk, "%u results for %u ops", n, desk->op_patients->len);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      const char *status = json_object_get_string_member_with_default (result, "status", "");
      gint index = g_array_index (desk->op_patients, gint, i);
      char **change = desk->op_changes->pdata[i];

      if (!g_str_equal (status, "applied"))
        {
          if (desk->type == REQUEST_SETUP && index >= 0 &&
              g_strcmp0 (json_object_get_string_member_with_default (result, "code", NULL), "duplicate") == 0)
            {
              /* A generated patient of the practice has that NHS number: another. */
              OwnPatient *patient = desk->patients->pdata[index];

              g_free (patient->nhs_number);
              patient->nhs_number = new_nhs_number (load->rand);
              continue;
            }
          if (load->figures != NULL)
            load->figures->ops_not_applied++;
          else
            load->setup_errors++;
          count_error (desk, "op %s: %s", status,
                       json_object_get_string_member_with_default (result, "reason", "no reason given"));
          continue;
        }
      if (counted)
        load->figures->ops_applied++;
      if (index >= 0)
        {
          OwnPatient *patient = desk->patients->pdata[index];

          patient->rev = json_object_get_int_member (result, "rev");
          if (change != NULL)
            {
              g_free (patient->notes);
              g_free (patient->phone);
              patient->notes = g_strdup (change[1]);
              patient->phone = g_strdup (change[2]);
            }
        }
    }
}

/* The whole answer is in: figures, then the desk's next request. */
static void
desk_answered (Desk       *desk,
               const char *body,
               gsize       length)
{
  Load *load = desk->load;
  gint64 ended = now_us ();
  gboolean counted = in_window (load, desk->due, ended);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (counted)
    {
      Kind kind = kind_of (desk->type);
      gdouble seconds = (ended - desk->due) / (gdouble) G_USEC_PER_SEC;

      g_array_append_val (load->figures->latency[kind], seconds);
      load->figures->completed[kind]++;
      load->figures->last_answer = ended;
      load->figures->interval[kind]++;
    }

  if (desk->status < 200 || desk->status > 299)
    count_error (desk, "HTTP %u: %.*s", desk->status, (int) MIN (length, 200), body);
  else if (!json_parser_load_from_data (parser, body, length, &error) ||
           !JSON_NODE_HOLDS_OBJECT (root = json_parser_get_root (parser)))
    count_error (desk, "an answer that is not a JSON object: %s", error != NULL ? error->message : "");
  else
    switch (desk->type)
      {
      case REQUEST_SIGN_IN:
        take_sign_in (desk, json_node_get_object (root));
        break;
      case REQUEST_POLL:
        take_page (desk, json_node_get_object (root), counted);
        break;
      case REQUEST_SETUP:
      case REQUEST_PUSH:
        take_results (desk, json_node_get_object (root), counted);
        break;
      default:
        g_assert_not_reached ();
      }

  if (desk->close_after)
    desk_close (desk);
  else
    desk->served++;
  desk->busy = FALSE;
  load->busy--;
  desk_queue (desk);
}

/* A poll or a push, whichever the desk does. */
static void
desk_start_work (Desk *desk)
{
  if (desk->pusher)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *path = g_strconcat ("/v1/batches/", id, NULL);
      g_autofree char *body = push_body (desk);

      desk_start (desk, REQUEST_PUSH, "PUT", path, body);
    }
  else
    {
      g_autofree char *path = g_strdup_printf ("/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u",
                                               desk->cursor, PAGE_LIMIT);
      desk_start (desk, REQUEST_POLL, "GET", path, NULL);
    }
}

/* Gives the desk its next request in this phase, if it has one. */
static void
desk_next (Desk *desk)
{
  Load *load = desk->load;

  switch (load->phase)
    {
    case PHASE_SIGN_IN:
      if (desk->token == NULL)
        {
          g_autofree char *body = sign_in_body (desk);
          desk_start (desk, REQUEST_SIGN_IN, "POST", "/v1/session", body);
        }
      break;

    case PHASE_SETUP:
      for (guint i = 0; desk->pusher && i < desk->patients->len; i++)
        if (((OwnPatient *) desk->patients->pdata[i])->rev == 0)
          {
            g_autofree char *body = setup_body (desk);
            g_autofree char *id = g_uuid_string_random ();
            g_autofree char *path = g_strconcat ("/v1/batches/", id, NULL);

            desk_start (desk, REQUEST_SETUP, "PUT", path, body);
            break;
          }
      break;

    case PHASE_RUN:
      if (!load->sampled_last)
        desk_start_work (desk);
      break;

    case PHASE_CATCH_UP:
      if (!desk->pusher && desk->behind)
        desk_start_work (desk);
      break;

    case PHASE_PACED:
      if (desk->owed->len == 0)
        break;
      if (now_us () > load->stop_at + PACED_DRAIN_SECONDS * G_USEC_PER_SEC)
        {
          /* Hopelessly behind: what is still owed was never answered. */
          for (guint i = 0; i < desk->owed->len; i++)
            if (g_array_index (desk->owed, gint64, i) >= load->measure_from)
              load->figures->unanswered++;
          g_array_set_size (desk->owed, 0);
          break;
        }
      desk->due = g_array_index (desk->owed, gint64, 0);
      g_array_remove_index (desk->owed, 0);
      desk_start_work (desk);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
desk_queue (Desk *desk)
{
  if (desk->queued)
    return;
  desk->queued = TRUE;
  g_queue_push_tail (&desk->load->ready, desk);
}

static gint64
slot_time (Load    *load,
           guint64  slot)
{
  return load->paced_start + (gint64) (slot * G_USEC_PER_SEC / load->paced_rate);
}

/* Hands every slot now due to its desk; returns how long until the next
 * one, in ms (for epoll_wait). */
static int
give_slots (Load *load)
{
  gint64 now = now_us ();
  gint64 next;

  while ((next = slot_time (load, load->next_slot)) <= now && next < load->stop_at)
    {
      Desk *desk = load->order->pdata[load->next_slot % load->order->len];

      g_array_append_val (desk->owed, next);
      if (!desk->busy)
        desk_queue (desk);
      load->next_slot++;
    }
  if (next >= load->stop_at)
    return 200;
  return (int) CLAMP ((next - now + 999) / 1000, 0, 200);
}

/* Runs the phase until no desk has anything more to send; calls @tick
 * between events (for the samples). */
static void
load_run_phase (Load  *load,
                Phase  phase,
                void (*tick) (Load *load, gpointer data),
                gpointer data)
{
  struct epoll_event events[512];

  load->phase = phase;
  for (guint i = 0; i < load->desks->len; i++)
    desk_queue (load->desks->pdata[i]);

  for (;;)
    {
      gboolean slots_left = phase == PHASE_PACED && slot_time (load, load->next_slot) < load->stop_at;
      int timeout = 200;
      Desk *desk;
      int n;

      if (phase == PHASE_PACED)
        timeout = give_slots (load);
      while ((desk = g_queue_pop_head (&load->ready)) != NULL)
        {
          desk->queued = FALSE;
          desk_next (desk);
        }
      if (load->busy == 0 && g_queue_is_empty (&load->ready) && !slots_left)
        break;
      n = epoll_wait (load->epoll, events, G_N_ELEMENTS (events), timeout);
      if (n < 0 && errno != EINTR)
        g_error ("epoll_wait: %s", g_strerror (errno));
      for (int i = 0; i < n; i++)
        desk_event (events[i].data.ptr, events[i].events);
      if (tick != NULL)
        tick (load, data);
    }
}

/* ---- The loaded server database ------------------------------------------------------ */

typedef struct
{
  SpStore      *store;
  SpSyncClient *client;
} SeedDesk;

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/* The generated size-S store pushed by a desk of its practice. */
static void
push_seed (SpServerFixture *server,
           const char      *dir)
{
  const BenchSize *size = bench_size_named ("S");
  g_autofree char *source = bench_store (size->n_patients, size->n_offerings);
  g_autofree char *path = g_build_filename (dir, "seed-desk.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpSyncClient) client = NULL;
  g_autofree char *token = NULL;
  SpSyncCounts counts = { 0 };
  gint64 queued;
  gdouble t0;

  sp_server_fixture_copy_db_ (source, path);
  store = sp_store_open (path, &error);
  g_assert_no_error (error);
  client = sp_sync_client_new (store);
  sp_sync_client_sign_in_async (client, sp_server_fixture_get_url (server), SEED_ADMIN, PASSWORD, NULL,
                                keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  account = sp_sync_client_sign_in_finish (client, result, &token, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  queued = bench_queue_every_row (store);
  t0 = bench_now ();
  sp_sync_client_sync_async (client, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  sp_sync_client_sync_finish (client, result, &counts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (counts.pushed, ==, queued);
  printf ("# seed: pushed %u records of the generated size-S store in %.1f s\n", counts.pushed, bench_now () - t0);
}

/* The server database every run starts from: practices, users and the
 * seed; made once and kept in SIGNPOST_BENCH_DIR. Returns its path. */
static char *
loaded_db (const char *dir)
{
  const char *bench_dir = g_getenv ("SIGNPOST_BENCH_DIR");
  g_autofree char *folder = g_strdup (bench_dir != NULL ? bench_dir : g_get_tmp_dir ());
  g_autofree char *name = g_strdup_printf ("load-server-v%d-gen%d.db", LOAD_DB_VERSION, SP_GENERATE_VERSION);
  g_autofree char *tmp = NULL;
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (folder, name, NULL);
  const char *seed_practices[] = { SP_GENERATE_PRACTICE, NULL };
  const char * const suffixes[] = { "", "-wal", "-shm" };
  SpServerFixture *server;
  gdouble t0 = bench_now ();

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;

  printf ("# loading a server database, kept for the next run: %s …\n", path);
  fflush (stdout);
  g_mkdir_with_parents (folder, 0700);
  server = sp_server_fixture_new (SIGNPOST_SERVER, &error);
  g_assert_no_error (error);
  for (guint p = 0; p < N_PRACTICES; p++)
    {
      g_autofree char *practice_name = g_strdup_printf ("Load practice %u", p);
      sp_server_fixture_add_practice (server, practice_code (p), practice_name);
    }
  sp_server_fixture_add_user_full (server, SEED_ADMIN, "admin", PASSWORD, seed_practices, &error);
  g_assert_no_error (error);
  for (guint p = 0; p < N_PRACTICES; p++)
    for (guint i = 0; i < POLLERS_PER_PRACTICE + PUSHERS_PER_PRACTICE; i++)
      {
        g_autofree char *username = desk_username (p, i);
        sp_server_fixture_add_user (server, username, "link-worker", PASSWORD, practice_code (p));
      }
  printf ("# %u practices and %u users added in %.1f s\n", N_PRACTICES,
          N_PRACTICES * (POLLERS_PER_PRACTICE + PUSHERS_PER_PRACTICE) + 1, bench_now () - t0);
  fflush (stdout);
  push_seed (server, dir);

  /* Taken stopped, as a backup is. */
  sp_server_fixture_stop (server);
  tmp = g_strconcat (path, ".tmp", NULL);
  sp_server_fixture_copy_db_ (sp_server_fixture_get_db_path (server), tmp);
  for (guint i = G_N_ELEMENTS (suffixes); i-- > 0;)
    {
      g_autofree char *from = g_strconcat (tmp, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (path, suffixes[i], NULL);

      g_remove (to);
      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        g_error ("could not move %s to %s: %s", from, to, g_strerror (errno));
    }
  sp_server_fixture_free (server);
  printf ("# loaded in %.1f s\n", bench_now () - t0);
  return path;
}

/* ---- Figures ----------------------------------------------------------------------- */

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank of a sorted array. */
static gdouble
percentile (GArray  *sorted,
            guint    percent)
{
  guint n = sorted->len;

  if (n == 0)
    return 0;
  return g_array_index (sorted, gdouble, MIN (n - 1, (guint) (((guint64) n * percent + 99) / 100) - 1));
}

static void
report_latency (const char *what,
                GArray     *seconds,
                gdouble    *p99_out)  /* NULL: no target */
{
  g_autoptr(GArray) sorted = g_array_copy (seconds);
  BenchStats stats;
  gdouble p99;

  bench_stats (seconds, &stats);
  g_array_sort (sorted, compare_doubles);
  p99 = percentile (sorted, 99);
  printf ("%-44s median %8.2f ms  p95 %8.2f  p99 %8.2f  max %8.2f  (n=%u)",
          what, stats.median * 1e3, stats.p95 * 1e3, p99 * 1e3, stats.max * 1e3, stats.n);
  if (p99_out != NULL)
    {
      *p99_out = stats.n > 0 ? p99 : G_MAXDOUBLE;
      printf ("  target p99 < 100 ms: %s", *p99_out < TARGET_P99 ? "PASS" : "MISS");
    }
  printf ("\n");
}

static void
report_rate (const char *what,
             GArray     *rates,
             const char *target,
             gboolean    pass)
{
  BenchStats stats;

  bench_stats (rates, &stats);
  printf ("%-44s median %8.0f /s  min %8.0f  max %8.0f  (n=%u intervals of %d s)",
          what, stats.median, stats.min, stats.max, stats.n, SAMPLE_SECONDS);
  if (target != NULL)
    printf ("  target %s: %s", target, pass ? "PASS" : "MISS");
  printf ("\n");
}

typedef struct
{
  GArray  *samples;
  GArray  *rates[N_KINDS + 1];  /* per kind, then all */
  gint64   next_sample;
  gdouble  client_cpu;          /* at the last sample */
  gdouble  client_cpu_start;    /* at the start of the window */
} Sampling;

static void
sample_tick (Load     *load,
             gpointer  data)
{
  Sampling *s = data;
  gint64 now = now_us ();
  const Sample *sample;
  gdouble all = 0;

  if (now < s->next_sample || s->next_sample > load->stop_at)
    return;
  take_sample (load, s->samples, (s->next_sample - load->measure_from) / (gdouble) G_USEC_PER_SEC);
  sample = &g_array_index (s->samples, Sample, s->samples->len - 1);
  if (s->next_sample == load->measure_from)
    {
      /* The start of the window: the counts so far were the warm-up. */
      for (guint k = 0; k < N_KINDS; k++)
        load->figures->interval[k] = 0;
      s->client_cpu = s->client_cpu_start = bench_cpu_self ();
      printf ("# t=%4.0f s  server: %u open files, VmRSS %.1f MB (after the warm-up)\n", sample->t, sample->fds,
              sample->rss_mb);
    }
  else
    {
      const Sample *before = sample - 1;
      gdouble client_cpu = bench_cpu_self ();
      gdouble server = (sample->cpu - before->cpu) / SAMPLE_SECONDS;
      gdouble client = (client_cpu - s->client_cpu) / SAMPLE_SECONDS;
      gdouble machine = (sample->machine - before->machine) / SAMPLE_SECONDS;

      for (guint k = 0; k < N_KINDS; k++)
        {
          gdouble rate = load->figures->interval[k] / (gdouble) SAMPLE_SECONDS;

          g_array_append_val (s->rates[k], rate);
          all += rate;
          load->figures->interval[k] = 0;
        }
      g_array_append_val (s->rates[N_KINDS], all);
      printf ("# t=%4.0f s  %5.0f requests/s (poll %.0f, push %.0f)  server: %u open files, VmRSS %.1f MB, "
              "WAL %.1f MB  CPU cores: server %.2f, load client %.2f, other processes %.2f\n",
              sample->t, all, g_array_index (s->rates[KIND_POLL], gdouble, s->rates[KIND_POLL]->len - 1),
              g_array_index (s->rates[KIND_PUSH], gdouble, s->rates[KIND_PUSH]->len - 1), sample->fds,
              sample->rss_mb, sample->wal_mb, server, client, MAX (0.0, machine - server - client));
      s->client_cpu = client_cpu;
    }
  fflush (stdout);
  s->next_sample += SAMPLE_SECONDS * G_USEC_PER_SEC;
  load->sampled_last = s->next_sample > load->stop_at;
}

/* The highest fd count and RSS of the samples in [from, to] seconds. */
static void
window_max (GArray  *samples,
            gdouble  from,
            gdouble  to,
            guint   *fds,
            gdouble *rss_mb)
{
  *fds = 0;
  *rss_mb = 0;
  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *s = &g_array_index (samples, Sample, i);

      if (s->t < from || s->t > to)
        continue;
      *fds = MAX (*fds, s->fds);
      *rss_mb = MAX (*rss_mb, s->rss_mb);
    }
}

/* ---- Main ---------------------------------------------------------------------------- */

static Desk *
desk_new (Load        *load,
          guint        p,
          guint        i)
{
  Desk *desk = g_new0 (Desk, 1);

  desk->load = load;
  desk->index = load->desks->len;
  desk->username = desk_username (p, i);
  desk->practice = practice_code (p);
  desk->pusher = i >= POLLERS_PER_PRACTICE;
  desk->fd = -1;
  desk->request = g_string_sized_new (1024);
  desk->answer = g_byte_array_sized_new (16384);
  desk->op_patients = g_array_new (FALSE, FALSE, sizeof (gint));
  desk->op_changes = g_ptr_array_new_with_free_func (op_change_free);
  desk->owed = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (desk->pusher)
    {
      desk->patients = g_ptr_array_new_with_free_func (own_patient_free);
      for (guint k = 0; k < PATIENTS_PER_PUSHER; k++)
        {
          OwnPatient *patient = g_new0 (OwnPatient, 1);

          patient->id = g_uuid_string_random ();
          patient->nhs_number = new_nhs_number (load->rand);
          patient->notes = g_strdup ("Registered for the load benchmark.");
          patient->phone = g_strdup ("01632 960000");
          g_ptr_array_add (desk->patients, patient);
        }
    }
  return desk;
}

static void
desk_free (gpointer data)
{
  Desk *desk = data;

  desk_close (desk);
  g_free (desk->username);
  g_free (desk->token);
  g_clear_pointer (&desk->patients, g_ptr_array_unref);
  g_array_unref (desk->op_patients);
  g_array_unref (desk->owed);
  g_ptr_array_unref (desk->op_changes);
  g_string_free (desk->request, TRUE);
  g_byte_array_unref (desk->answer);
  g_free (desk);
}

/* The newest seq on the server: where desks that have synced stand. */
static gint64
server_max_seq (const char *url,
                const char *token)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("%s/v1/changes?since=0&limit=1", url);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "max_seq");
}

static Figures *
figures_new (void)
{
  Figures *figures = g_new0 (Figures, 1);

  for (guint k = 0; k < N_KINDS; k++)
    figures->latency[k] = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), 1 << 16);
  return figures;
}

static void
figures_free (Figures *figures)
{
  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (figures->latency[k]);
  g_free (figures);
}

/* Errors of a phase, printed; TRUE when there were none. */
static gboolean
report_errors (const Figures *figures)
{
  gboolean pass = figures->errors[KIND_POLL] == 0 && figures->errors[KIND_PUSH] == 0 &&
                  figures->ops_not_applied == 0 && figures->unanswered == 0;

  printf ("%-44s poll %" G_GUINT64_FORMAT ", push %" G_GUINT64_FORMAT ", ops not applied %" G_GUINT64_FORMAT,
          "… errors (not 2xx, failed connections)", figures->errors[KIND_POLL], figures->errors[KIND_PUSH],
          figures->ops_not_applied);
  if (figures->unanswered > 0)
    printf (", never sent %" G_GUINT64_FORMAT, figures->unanswered);
  printf ("  target 0: %s\n", pass ? "PASS" : "MISS");
  return pass;
}

static guint
guint_from_env (const char *name,
                guint       fallback)
{
  const char *text = g_getenv (name);

  return text != NULL && *text != '\0' ? (guint) g_ascii_strtoull (text, NULL, 10) : fallback;
}

int
main (int    argc,
      char **argv)
{
  guint seconds = guint_from_env ("SIGNPOST_BENCH_LOAD_SECONDS", DEFAULT_SECONDS);
  guint paced_seconds = guint_from_env ("SIGNPOST_BENCH_LOAD_PACED_SECONDS", DEFAULT_PACED_SECONDS);
  guint paced_rate = guint_from_env ("SIGNPOST_BENCH_LOAD_PACED_RATE", (guint) TARGET_RATE);
  /* Fewer (0: polls only) to tell the cost of a request from that of the
   * records the pushes make for every polling desk to fetch. */
  guint pushers = MIN (guint_from_env ("SIGNPOST_BENCH_LOAD_PUSHERS", PUSHERS_PER_PRACTICE), PUSHERS_PER_PRACTICE);
  gboolean keep_alive = g_strcmp0 (g_getenv ("SIGNPOST_BENCH_LOAD_KEEPALIVE"), "0") != 0;
  const char * const keep_alive_args[] = { "--keep-alive", "1000", NULL };
  g_autofree char *dir = bench_temp_dir ();
  g_autofree char *db = NULL;
  g_autoptr(GError) error = NULL;
  Sampling sampling = { 0 };
  Load load = { 0 };
  Figures *capacity = figures_new ();
  Figures *paced = figures_new ();
  gdouble p99[N_KINDS];
  guint first_fds, last_fds;
  gdouble first_rss, last_rss, window, cpu_total, client_total;
  guint64 requests = 0;
  gint64 max_seq;
  gboolean rate_pass, latency_pass = TRUE, errors_pass, fds_pass, rss_pass;
  gdouble t0;
  const Sample *first, *last;
  BenchStats all_rates;

  if (seconds < 3 * SAMPLE_SECONDS)
    g_error ("SIGNPOST_BENCH_LOAD_SECONDS is at least %d", 3 * SAMPLE_SECONDS);
  seconds -= seconds % SAMPLE_SECONDS;

  if (paced_rate == 0)
    g_error ("SIGNPOST_BENCH_LOAD_PACED_RATE is at least 1");
  printf ("== load: %u desks polling and %u pushing; capacity: closed loop for %u s; latency: %u requests/s "
          "for %u s\n",
          N_PRACTICES * POLLERS_PER_PRACTICE, N_PRACTICES * pushers, seconds, paced_rate,
          paced_seconds);
  printf ("# connections: %s\n", keep_alive ? "kept alive (signpost-server --keep-alive 1000)"
                                            : "one per request (SIGNPOST_BENCH_LOAD_KEEPALIVE=0)");
  bench_machine ();
  fflush (stdout);

  db = loaded_db (dir);
  load.server = sp_server_fixture_new_full (SIGNPOST_SERVER, keep_alive ? keep_alive_args : NULL, &error);
  g_assert_no_error (error);
  sp_server_fixture_restore (load.server, db);
  printf ("# server database: a copy of %s, %.1f MB\n", db, file_mb (db));

  load.epoll = epoll_create1 (EPOLL_CLOEXEC);
  g_assert_cmpint (load.epoll, >=, 0);
  load.address.sin_family = AF_INET;
  load.address.sin_port = htons (sp_server_fixture_get_port (load.server));
  load.address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  load.host = g_strdup_printf ("127.0.0.1:%u", sp_server_fixture_get_port (load.server));
  load.rand = g_rand_new_with_seed (BENCH_SEED);
  load.keep_alive = keep_alive;
  load.desks = g_ptr_array_new_with_free_func (desk_free);
  g_queue_init (&load.ready);
  for (guint p = 0; p < N_PRACTICES; p++)
    for (guint i = 0; i < POLLERS_PER_PRACTICE + pushers; i++)
      g_ptr_array_add (load.desks, desk_new (&load, p, i));

  /* Not timed: every desk signs in, the pushing desks register their
   * patients, and all start from the newest change. */
  t0 = bench_now ();
  load_run_phase (&load, PHASE_SIGN_IN, NULL, NULL);
  g_assert_cmpuint (load.setup_errors, ==, 0);
  printf ("# %u desks signed in in %.1f s\n", load.desks->len, bench_now () - t0);
  t0 = bench_now ();
  load_run_phase (&load, PHASE_SETUP, NULL, NULL);
  g_assert_cmpuint (load.setup_errors, ==, 0);
  printf ("# %u patients registered by the pushing desks in %.1f s\n",
          N_PRACTICES * pushers * PATIENTS_PER_PUSHER, bench_now () - t0);
  max_seq = server_max_seq (sp_server_fixture_get_url (load.server), ((Desk *) load.desks->pdata[0])->token);
  for (guint i = 0; i < load.desks->len; i++)
    ((Desk *) load.desks->pdata[i])->cursor = max_seq;
  printf ("# every desk starts at seq %" G_GINT64_FORMAT "\n", max_seq);
  fflush (stdout);

  /* Capacity: closed loop, no think time. */
  sampling.samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  for (guint k = 0; k <= N_KINDS; k++)
    sampling.rates[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  load.figures = capacity;
  load.measure_from = now_us () + WARMUP_SECONDS * G_USEC_PER_SEC;
  load.stop_at = load.measure_from + (gint64) seconds * G_USEC_PER_SEC;
  sampling.next_sample = load.measure_from;
  load_run_phase (&load, PHASE_RUN, sample_tick, &sampling);
  client_total = bench_cpu_self () - sampling.client_cpu_start;
  first = &g_array_index (sampling.samples, Sample, 0);
  last = &g_array_index (sampling.samples, Sample, sampling.samples->len - 1);

  /* Latency: paced_rate requests a second offered, each desk in turn,
   * from where a desk stands between syncs: the polling desks first fetch
   * what they fell behind by in the capacity run (not timed). */
  if (paced_seconds > 0)
    {
      t0 = bench_now ();
      for (guint i = 0; i < load.desks->len; i++)
        ((Desk *) load.desks->pdata[i])->behind = TRUE;
      load.figures = NULL;
      load_run_phase (&load, PHASE_CATCH_UP, NULL, NULL);
      printf ("# the polling desks caught up in %.1f s: %" G_GUINT64_FORMAT " pages, %" G_GUINT64_FORMAT
              " records%s\n", bench_now () - t0, load.catch_up_pages, load.catch_up_records,
              load.setup_errors > 0 ? ", with errors" : "");
      fflush (stdout);

      load.order = g_ptr_array_sized_new (load.desks->len);
      for (guint i = 0; i < load.desks->len; i++)
        g_ptr_array_add (load.order, load.desks->pdata[i]);
      for (guint i = load.order->len; i > 1; i--)
        {
          guint j = (guint) g_rand_int_range (load.rand, 0, (gint32) i);
          gpointer swap = load.order->pdata[i - 1];

          load.order->pdata[i - 1] = load.order->pdata[j];
          load.order->pdata[j] = swap;
        }
      load.figures = paced;
      load.paced_rate = paced_rate;
      load.paced_start = now_us ();
      load.next_slot = 0;
      load.measure_from = load.paced_start + PACED_WARMUP_SECONDS * G_USEC_PER_SEC;
      load.stop_at = load.measure_from + (gint64) paced_seconds * G_USEC_PER_SEC;
      load_run_phase (&load, PHASE_PACED, NULL, NULL);
      g_ptr_array_unref (load.order);
    }
  load.figures = NULL;
  for (guint i = 0; i < load.desks->len; i++)
    desk_close (load.desks->pdata[i]);

  /* ---- Figures ---- */
  printf ("\n");
  for (guint k = 0; k < N_KINDS; k++)
    requests += capacity->completed[k];
  printf ("# capacity: %" G_GUINT64_FORMAT " requests in %u s (%" G_GUINT64_FORMAT " polls, %" G_GUINT64_FORMAT
          " pushes); %" G_GUINT64_FORMAT " records pulled, %" G_GUINT64_FORMAT " ops applied; "
          "%" G_GUINT64_FORMAT " connections opened in all, %" G_GUINT64_FORMAT " requests sent again on a new one\n",
          requests, seconds, capacity->completed[KIND_POLL], capacity->completed[KIND_PUSH],
          capacity->records_pulled, capacity->ops_applied, load.connections, load.retries);
  bench_stats (sampling.rates[N_KINDS], &all_rates);
  rate_pass = all_rates.median >= TARGET_RATE;
  report_rate ("capacity: requests per second, all", sampling.rates[N_KINDS], ">= 2000/s", rate_pass);
  report_rate ("… poll GET /v1/changes", sampling.rates[KIND_POLL], NULL, TRUE);
  report_rate ("… push PUT /v1/batches", sampling.rates[KIND_PUSH], NULL, TRUE);
  /* The work behind the requests: every op pushed is a record for each of
   * the 30 desks polling in its practice to fetch. */
  printf ("%-44s %.0f records pulled/s, %.0f ops applied/s (the window's average)\n", "… work",
          capacity->records_pulled / (gdouble) seconds, capacity->ops_applied / (gdouble) seconds);
  /* In a closed loop the mean latency is the desks ÷ the rate (Little's
   * law): these say how the wait is shared, the target is checked paced. */
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_autofree char *what = g_strdup_printf ("… latency, %s", kind_names[k]);
      report_latency (what, capacity->latency[k], NULL);
    }
  errors_pass = report_errors (capacity);

  cpu_total = last->cpu - first->cpu;
  printf ("%-44s server %.2f, load client %.2f, other processes %.2f; server %.3f ms of CPU per request\n",
          "… CPU cores, the window's average", cpu_total / seconds, client_total / seconds,
          MAX (0.0, (last->machine - first->machine - cpu_total - client_total) / seconds),
          requests > 0 ? cpu_total * 1e3 / requests : 0.0);

  /* Flat: the last minute's highest against the first minute's (a third
   * of the run each, for runs under three minutes). */
  window = MIN (60.0, seconds / 3.0);
  window_max (sampling.samples, 0.5, window, &first_fds, &first_rss);
  window_max (sampling.samples, seconds - window + 0.5, seconds, &last_fds, &last_rss);
  fds_pass = last_fds <= first_fds + MAX (8u, first_fds / 20);
  rss_pass = last_rss <= first_rss * 1.10;
  printf ("%-44s first %.0f s max %u, last %.0f s max %u  target within +5%% (or +8): %s\n",
          "server open files", window, first_fds, window, last_fds, fds_pass ? "PASS" : "MISS");
  printf ("%-44s first %.0f s max %.1f MB, last %.0f s max %.1f MB  target within +10%%: %s\n",
          "server resident memory (VmRSS)", window, first_rss, window, last_rss, rss_pass ? "PASS" : "MISS");

  if (paced_seconds > 0)
    {
      guint64 paced_requests = paced->completed[KIND_POLL] + paced->completed[KIND_PUSH];

      gdouble answering = MAX (paced_seconds, (paced->last_answer - load.measure_from) / (gdouble) G_USEC_PER_SEC);

      printf ("# paced: %" G_GUINT64_FORMAT " requests due in %u s, answered in %.1f s (%.0f/s); latency from "
              "each request's slot, waiting for the desk included\n",
              paced_requests + paced->unanswered, paced_seconds, answering, paced_requests / answering);
      for (guint k = 0; k < N_KINDS; k++)
        {
          g_autofree char *what = g_strdup_printf ("at %u/s: latency, %s", paced_rate, kind_names[k]);

          report_latency (what, paced->latency[k], &p99[k]);
          latency_pass = latency_pass && p99[k] < TARGET_P99;
        }
      errors_pass = report_errors (paced) && errors_pass && load.setup_errors == 0;
    }
  else
    {
      printf ("# paced run skipped (SIGNPOST_BENCH_LOAD_PACED_SECONDS=0): p99 not checked\n");
      latency_pass = FALSE;
    }
  if (paced_rate < TARGET_RATE)
    latency_pass = FALSE;  /* p99 is checked at 2,000/s, not below */
  printf ("%-44s %s\n", "all targets",
          rate_pass && latency_pass && errors_pass && fds_pass && rss_pass ? "PASS" : "MISS");

  g_ptr_array_unref (load.desks);
  figures_free (capacity);
  figures_free (paced);
  for (guint k = 0; k <= N_KINDS; k++)
    g_array_unref (sampling.rates[k]);
  g_array_unref (sampling.samples);
  g_rand_free (load.rand);
  g_free (load.host);
  close (load.epoll);
  sp_server_fixture_free (load.server);
  bench_remove_tree (dir);
  return 0;
}
