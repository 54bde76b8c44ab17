/* sp-zip.c — the files in a .zip archive, for tabular data packages
 *
 * Open Referral's tabular form is often shared as one .zip of CSV files.
 * This reads what such a package holds and nothing more: stored and
 * deflated entries (deflate through GIO's raw zlib decompressor), from
 * the central directory at the end of the archive. Encrypted, split and
 * Zip64 archives are refused with a message; every size and offset is
 * checked against the archive before it is used, the total unpacked size
 * is bounded, and each entry's CRC-32 is checked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-zip"

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-zip.h"

#define EOCD_SIGNATURE      0x06054b50u
#define CENTRAL_SIGNATURE   0x02014b50u
#define LOCAL_SIGNATURE     0x04034b50u
#define EOCD_SIZE           22
#define CENTRAL_SIZE        46
#define LOCAL_SIZE          30
#define MAX_COMMENT         0xFFFF

static guint16
read16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
read32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* The CRC-32 of zip (and gzip, and PNG): polynomial 0xEDB88320. */
guint32
sp_zip_crc32 (guint32       crc,
              const guint8 *data,
              gsize         length)
{
  static guint32 table[256];
  static gsize table_ready = 0;

  if (g_once_init_enter (&table_ready))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;
          for (guint k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
          table[i] = c;
        }
      g_once_init_leave (&table_ready, 1);
    }

  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

static gboolean
fail (GError     **error,
      const char  *detail)
{
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("The .zip file cannot be read: %s. Unpack it into a folder and import the folder instead."),
               detail);
  return FALSE;
}

static GBytes *
inflate_entry (const guint8  *data,
               gsize          compressed_size,
               gsize          size,
               GError       **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  /* One spare byte: an entry larger than it says fills it. */
  g_autofree guint8 *out = g_malloc (size + 1);
  gsize in_pos = 0;
  gsize out_pos = 0;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize n_read = 0;
      gsize n_written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor),
                                    data + in_pos, compressed_size - in_pos,
                                    out + out_pos, size + 1 - out_pos,
                                    G_CONVERTER_INPUT_AT_END, &n_read, &n_written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          fail (error, g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                       ? _("a file in it is larger than the archive says")
                       : _("a file in it is damaged"));
          return NULL;
        }
      in_pos += n_read;
      out_pos += n_written;
      if (out_pos > size)
        {
          fail (error, _("a file in it is larger than the archive says"));
          return NULL;
        }
      if (result == G_CONVERTER_FINISHED)
        break;
      if (n_read == 0 && n_written == 0)
        {
          fail (error, _("a file in it is cut short"));
          return NULL;
        }
    }

  if (out_pos != size)
    {
      fail (error, _("a file in it is smaller than the archive says"));
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&out), size);
}

/* Every regular file in @archive, by its name without folders (the first
 * one wins when two folders hold the same name), as GBytes. Folders and
 * the resource forks macOS adds (__MACOSX/, ._name) are left out. Refuses
 * archives that would unpack to more than @max_total bytes. */
GHashTable *
sp_zip_read (GBytes  *archive,
             gsize    max_total,
             GError **error)
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_bytes_unref);
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (archive, &length);
  const guint8 *eocd = NULL;
  gsize search_from;
  guint n_entries;
  gsize cd_size, cd_offset, pos;
  gsize total = 0;

  g_return_val_if_fail (archive != NULL, NULL);

  if (length < EOCD_SIZE || data == NULL)
    {
      fail (error, _("it is not a zip archive"));
      return NULL;
    }

  /* The end record is in the last 22 bytes plus at most a 64 KiB comment. */
  search_from = length > EOCD_SIZE + MAX_COMMENT ? length - EOCD_SIZE - MAX_COMMENT : 0;
  for (gsize i = length - EOCD_SIZE + 1; i-- > search_from;)
    if (read32 (data + i) == EOCD_SIGNATURE)
      {
        eocd = data + i;
        break;
      }
  if (eocd == NULL)
    {
      fail (error, _("it is not a zip archive"));
      return NULL;
    }

  if (read16 (eocd + 4) != 0 || read16 (eocd + 6) != 0 || read16 (eocd + 8) != read16 (eocd + 10))
    {
      fail (error, _("it is split over several files"));
      return NULL;
    }
  n_entries = read16 (eocd + 10);
  cd_size = read32 (eocd + 12);
  cd_offset = read32 (eocd + 16);
  if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF)
    {
      fail (error, _("it is a Zip64 archive, which Signpost does not read"));
      return NULL;
    }
  if (cd_offset > length || cd_size > length - cd_offset)
    {
      fail (error, _("its table of contents is damaged"));
      return NULL;
    }

  pos = cd_offset;
  for (guint e = 0; e < n_entries; e++)
    {
      const guint8 *cd;
      guint16 flags, method, name_len, extra_len, comment_len;
      guint32 crc;
      gsize compressed, size, local_offset, data_offset;
      g_autofree char *name = NULL;
      const char *base;
      g_autoptr(GBytes) content = NULL;

      if (pos > cd_offset + cd_size || cd_offset + cd_size - pos < CENTRAL_SIZE ||
          read32 (data + pos) != CENTRAL_SIGNATURE)
        {
          fail (error, _("its table of contents is damaged"));
          return NULL;
        }
      cd = data + pos;
      flags = read16 (cd + 8);
      method = read16 (cd + 10);
      crc = read32 (cd + 16);
      compressed = read32 (cd + 20);
      size = read32 (cd + 24);
      name_len = read16 (cd + 28);
      extra_len = read16 (cd + 30);
      comment_len = read16 (cd + 32);
      local_offset = read32 (cd + 42);
      if (cd_offset + cd_size - pos - CENTRAL_SIZE < (gsize) name_len + extra_len + comment_len)
        {
          fail (error, _("its table of contents is damaged"));
          return NULL;
        }
      name = g_strndup ((const char *) cd + CENTRAL_SIZE, name_len);
      pos += CENTRAL_SIZE + (gsize) name_len + extra_len + comment_len;

      /* Folders, macOS resource forks, and names that are not text. */
      if (name_len == 0 || name[name_len - 1] == '/' || strlen (name) != name_len ||
          g_str_has_prefix (name, "__MACOSX/") || !g_utf8_validate (name, -1, NULL))
        continue;
      base = strrchr (name, '/');
      base = base != NULL ? base + 1 : name;
      if (g_str_has_prefix (base, "._") || g_hash_table_contains (files, base))
        continue;

      if (flags & 0x0001)
        {
          fail (error, _("it is protected by a password"));
          return NULL;
        }
      if (size > max_total - total)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("The .zip file unpacks to more than %" PRIu64 " MB, more than a catalogue feed should be. "
                         "Check it is the right file."), (guint64) (max_total / (1024 * 1024)));
          return NULL;
        }

      if (local_offset > length || length - local_offset < LOCAL_SIZE ||
          read32 (data + local_offset) != LOCAL_SIGNATURE)
        {
          fail (error, _("a file in it is damaged"));
          return NULL;
        }
      data_offset = local_offset + LOCAL_SIZE + read16 (data + local_offset + 26) + read16 (data + local_offset + 28);
      if (data_offset > length || length - data_offset < compressed)
        {
          fail (error, _("a file in it is cut short"));
          return NULL;
        }

      if (method == 0)
        {
          if (compressed != size)
            {
              fail (error, _("a file in it is damaged"));
              return NULL;
            }
          content = g_bytes_new (data + data_offset, size);
        }
      else if (method == 8)
        {
          content = inflate_entry (data + data_offset, compressed, size, error);
          if (content == NULL)
            return NULL;
        }
      else
        {
          fail (error, _("a file in it is packed in a way Signpost does not read (only “stored” and “deflated” are)"));
          return NULL;
        }

      if (sp_zip_crc32 (0, g_bytes_get_data (content, NULL), g_bytes_get_size (content)) != crc)
        {
          fail (error, _("a file in it is damaged (its checksum is wrong)"));
          return NULL;
        }
      total += size;
      g_hash_table_insert (files, g_strdup (base), g_steal_pointer (&content));
    }

  return g_steal_pointer (&files);
}
