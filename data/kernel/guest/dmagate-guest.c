/* dmagate-guest: the one binary `dmagate qemu` puts in the guest's initramfs next to busybox.
 * Built with `gcc -static -O2` on the host at run time (x86_64 guests). Each call does one thing
 * and prints one line, so the init script stays plain sh:
 *
 *   dmagate-guest write PATH VALUE      write VALUE to a sysfs file: prints "ok" or the errno name
 *   dmagate-guest set-container GFD CFD VFIO_GROUP_SET_CONTAINER(group fd, &container fd)
 *   dmagate-guest set-iommu CFD         VFIO_SET_IOMMU(container fd, VFIO_TYPE1v2_IOMMU or TYPE1)
 *   dmagate-guest obs NAME=BDF ...      one JSON object: per device driver, group, group type,
 *                                       ATS capability/Enable/STU read from config space
 *
 * The fds of set-container / set-iommu are inherited from the shell (exec 3<>/dev/vfio/vfio), so
 * the VFIO state lives in open file descriptions the init shell keeps, not in this process.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
  case EINVAL: return "EINVAL";
  case EBUSY: return "EBUSY";
  case EPERM: return "EPERM";
  case ENODEV: return "ENODEV";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ENOSPC: return "ENOSPC";
  case EEXIST: return "EEXIST";
  case ENOENT: return "ENOENT";
  case EACCES: return "EACCES";
  case EIO: return "EIO";
  case ENOTTY: return "ENOTTY";
  case ENXIO: return "ENXIO";
  default: return "EUNKNOWN";
  }
}

static int cmd_write(const char *path, const char *value) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) {
    printf("%s\n", errname(errno));
    return 0;
  }
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  if (n < 0) printf("%s\n", errname(e));
  else printf("ok\n");
  return 0;
}

static int cmd_set_container(int gfd, int cfd) {
  if (ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd) < 0) printf("%s\n", errname(errno));
  else printf("ok\n");
  return 0;
}

static int cmd_set_iommu(int cfd) {
  int type = ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
  if (ioctl(cfd, VFIO_SET_IOMMU, type) < 0) printf("%s\n", errname(errno));
  else printf("ok\n");
  return 0;
}

/* A string read from a sysfs file, trailing newline dropped; "" when unreadable. */
static void readstr(const char *path, char *out, size_t len) {
  out[0] = 0;
  FILE *f = fopen(path, "r");
  if (!f) return;
  if (fgets(out, (int)len, f) == NULL) out[0] = 0;
  fclose(f);
  out[strcspn(out, "\n")] = 0;
}

static void basename_of_link(const char *path, char *out, size_t len) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  out[0] = 0;
  if (n <= 0) return;
  buf[n] = 0;
  const char *b = strrchr(buf, '/');
  snprintf(out, len, "%s", b ? b + 1 : buf);
}

static unsigned rd32(const unsigned char *c, int off) {
  return c[off] | (c[off + 1] << 8) | (c[off + 2] << 16) | ((unsigned)c[off + 3] << 24);
}

/* PCIe extended capability `id` (0x000F ATS, 0x001B PASID) offset in config space, 0 if none. */
static int ext_cap(const unsigned char *cfg, ssize_t n, unsigned id) {
  int off = 0x100, hops = 0;
  while (off >= 0x100 && off + 4 <= n && hops++ < 64) {
    unsigned h = rd32(cfg, off);
    if (h == 0 || h == 0xffffffffu) return 0;
    if ((h & 0xffff) == id) return off;
    off = (h >> 20) & 0xffc;
  }
  return 0;
}

static void obs_one(const char *name, const char *bdf, int first) {
  char path[PATH_MAX], drv[256], grp[64], type[64];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver", bdf);
  basename_of_link(path, drv, sizeof drv);
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/iommu_group", bdf);
  basename_of_link(path, grp, sizeof grp);
  type[0] = 0;
  if (grp[0]) {
    snprintf(path, sizeof path, "/sys/kernel/iommu_groups/%s/type", grp);
    readstr(path, type, sizeof type);
  }
  unsigned char cfg[4096];
  memset(cfg, 0, sizeof cfg);
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/config", bdf);
  ssize_t n = -1;
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    n = read(fd, cfg, sizeof cfg);
    close(fd);
  }
  int ats = n > 0 ? ext_cap(cfg, n, 0x000f) : 0;
  int pasid = n > 0 ? ext_cap(cfg, n, 0x001b) : 0;
  int acs = n > 0 ? ext_cap(cfg, n, 0x000d) : 0;
  unsigned acsctl = acs ? (cfg[acs + 6] | (cfg[acs + 7] << 8)) : 0;
  unsigned atsctl = ats ? (cfg[ats + 6] | (cfg[ats + 7] << 8)) : 0;
  unsigned pasidctl = pasid ? (cfg[pasid + 6] | (cfg[pasid + 7] << 8)) : 0;
  printf("%s\"%s\":{\"bdf\":\"%s\",\"present\":%s,\"driver\":", first ? "" : ",", name, bdf, n > 0 ? "true" : "false");
  if (drv[0]) printf("\"%s\"", drv);
  else printf("null");
  printf(",\"group\":");
  if (grp[0]) printf("\"%s\"", grp);
  else printf("null");
  printf(",\"type\":");
  if (type[0]) printf("\"%s\"", type);
  else printf("null");
  printf(",\"atsCap\":%s,\"atsEnabled\":%s,\"atsStu\":%u,\"pasidCap\":%s,\"pasidEnabled\":%s,\"acsCtrl\":%d,\"configBytes\":%ld}", ats ? "true" : "false",
         (atsctl & 0x8000) ? "true" : "false", (atsctl & 0x1f) + 12, pasid ? "true" : "false", (pasidctl & 1) ? "true" : "false",
         acs ? (int)acsctl : -1, (long)n);
}

static int cmd_obs(int argc, char **argv) {
  printf("{");
  for (int i = 0; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = 0;
    obs_one(argv[i], eq + 1, i == 0);
  }
  printf("}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "write")) return cmd_write(argv[2], argv[3]);
  if (argc == 4 && !strcmp(argv[1], "set-container")) return cmd_set_container(atoi(argv[2]), atoi(argv[3]));
  if (argc == 3 && !strcmp(argv[1], "set-iommu")) return cmd_set_iommu(atoi(argv[2]));
  if (argc >= 2 && !strcmp(argv[1], "obs")) return cmd_obs(argc - 2, argv + 2);
  fprintf(stderr, "usage: dmagate-guest write PATH VALUE | set-container GFD CFD | set-iommu CFD | obs NAME=BDF...\n");
  return 2;
}
