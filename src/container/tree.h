/* Trees in the image cache, removed or walked without ever leaving them:
 * no symlink is followed, each ".." climbed back is checked against the
 * directory it came down from (a directory moved away meanwhile by the
 * user who owns it would otherwise lead root's deletion into a place of
 * that user's choosing), and no other filesystem is entered. Iterative:
 * a hostile archive's 10000-deep tree costs neither stack nor one fd per
 * level. Errors are -1 and errno; nothing here prints.
 *
 * Environment (test builds only, util/testhook.h):
 *   NSX_TEST_PAUSE_CLEAR=NAME  stop (SIGSTOP) on entering a directory NAME */
#ifndef NSX_TREE_H
#define NSX_TREE_H

/* Empty the directory top (an open fd), leaving top itself. */
int tree_clear(int top);

/* rm -rf dirfd/name: a symlink is unlinked, never followed. */
int tree_remove_at(int dirfd, const char *name);

/* rm -rf path, best effort (errors are ignored). */
void tree_remove(const char *path);

/* Open directory path (relative) under root without following any
 * symlink, "." and empty components skipped: a whiteout "lnk/.wh.x" must
 * not delete x wherever lnk points. -1 when there is no real directory. */
int tree_open_dir(int root, const char *path);

#endif
