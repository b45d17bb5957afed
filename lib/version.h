/*
 * version.h - the one version string of winnowd, winnow-pipe, winnowctl
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_VERSION_H
#define WINNOW_VERSION_H

#define WINNOW_VERSION	"0.1.0"

#endif /* WINNOW_VERSION_H */
