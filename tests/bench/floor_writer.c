/* SPDX-License-Identifier: MIT */
/* floor_writer: the floor for keystroke latency — for every byte read on
 * stdin, write one press and one release report to the FIFO named in argv[1],
 * as a minimal C loop with no MQTT and no agent in between. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const unsigned char press[8] = { 0, 0, 0x04 }, release[8] = { 0 };
	char c;

	if (argc != 2)
		return fprintf(stderr, "usage: floor_writer FIFO\n"), 2;
	int fd = open(argv[1], O_WRONLY);
	if (fd < 0)
		return perror(argv[1]), 1;
	while (read(0, &c, 1) == 1)
		if (write(fd, press, 8) != 8 || write(fd, release, 8) != 8)
			return perror("write"), 1;
	return 0;
}
