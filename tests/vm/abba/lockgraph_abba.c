// SPDX-License-Identifier: GPL-2.0-only
/*
 * lockgraph_abba - an injected lock inversion for lockgraph's guest tests.
 *
 * Two mutexes, lockgraph_abba_a and lockgraph_abba_b.  Writing "ab" to
 * /sys/kernel/debug/lockgraph_abba takes a then b; writing "ba" takes b
 * then a.  Done one after the other by one task nothing deadlocks, but
 * the two orders are a real ABBA inversion: lockdep reports a possible
 * circular locking dependency at the second one, and lockgraph must report
 * the cycle from what its probes saw.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(lockgraph_abba_a);
static DEFINE_MUTEX(lockgraph_abba_b);
static struct dentry *abba_file;

static noinline void abba_take(struct mutex *first, struct mutex *second)
{
	mutex_lock(first);
	mutex_lock(second);
	mutex_unlock(second);
	mutex_unlock(first);
}

static ssize_t abba_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char buf[4] = "";

	if (copy_from_user(buf, ubuf, min(count, sizeof(buf) - 1)))
		return -EFAULT;
	if (!strncmp(buf, "ab", 2))
		abba_take(&lockgraph_abba_a, &lockgraph_abba_b);
	else if (!strncmp(buf, "ba", 2))
		abba_take(&lockgraph_abba_b, &lockgraph_abba_a);
	else
		return -EINVAL;
	return count;
}

static const struct file_operations abba_fops = {
	.owner = THIS_MODULE,
	.write = abba_write,
};

static int __init abba_init(void)
{
	abba_file = debugfs_create_file("lockgraph_abba", 0200, NULL, NULL,
					&abba_fops);
	return IS_ERR(abba_file) ? PTR_ERR(abba_file) : 0;
}
module_init(abba_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lockgraph test: an ABBA inversion on demand");
