/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mission's lock classes (DESIGN.md): the mm and filesystem locks whose
 * ordering lockgraph was built to watch.  Pictures highlight them.  This is
 * the one list of them; add a class here and every user follows.
 */
#ifndef LOCKGRAPH_ANALYZER_MISSION_H
#define LOCKGRAPH_ANALYZER_MISSION_H

#include <stdbool.h>

/*
 * Is @name one of the mission's classes?  A class matches a listed name
 * exactly or followed by lockdep's suffixes: a subclass ("/1"), a
 * registration number ("#6"), an index or fs type ("[i]", "[hugetlbfs]").
 * So "&mm->mmap_lock/1" and "&sb->s_type->i_mutex_key#6" match.
 */
bool lg_mission_class(const char *name);

#endif /* LOCKGRAPH_ANALYZER_MISSION_H */
