# SPDX-License-Identifier: MIT
# decode.awk: evlog "K <time> <code> <value>" lines -> the text a US-layout Linux
# console would see. Shift/Caps handled; other keys with Ctrl or Alt held print as
# <C-x>/<A-x>; keys without a character print as <code>. Key-up and autorepeat
# lines are ignored (autorepeat would be a bug of the sender and shows as missing
# characters in the comparison, not hidden).
BEGIN {
    split("1 2 3 4 5 6 7 8 9 0 - =", r1, " ")
    split("! @ # $ % ^ & * ( ) _ +", s1, " ")
    for (i = 1; i <= 12; i++) { n[i + 1] = r1[i]; s[i + 1] = s1[i] }
    row("qwertyuiop", 16); row("asdfghjkl", 30); row("zxcvbnm", 44)
    n[26] = "["; s[26] = "{"; n[27] = "]"; s[27] = "}"
    n[39] = ";"; s[39] = ":"; n[40] = "'"; s[40] = "\""; n[41] = "`"; s[41] = "~"
    n[43] = "\\"; s[43] = "|"; n[51] = ","; s[51] = "<"; n[52] = "."; s[52] = ">"
    n[53] = "/"; s[53] = "?"; n[57] = " "; s[57] = " "; n[28] = "\n"; s[28] = "\n"
    n[15] = "\t"; s[15] = "\t"
    mod[42] = "shift"; mod[54] = "shift"; mod[29] = "ctrl"; mod[97] = "ctrl"
    mod[56] = "alt"; mod[100] = "alt"; mod[125] = "meta"; mod[126] = "meta"
    caps = 0
}
function row(str, base,   i, c) {
    for (i = 1; i <= length(str); i++) {
        c = substr(str, i, 1); n[base + i - 1] = c; s[base + i - 1] = toupper(c); letter[base + i - 1] = 1
    }
}
$1 != "K" { next }
{
    code = $3 + 0; val = $4 + 0
    if (code in mod) { held[code] = (val != 0); next }
    if (val != 1) next
    shift = held[42] || held[54]; ctrl = held[29] || held[97]; alt = held[56] || held[100]
    if (code == 58) { caps = !caps; next }
    if (!(code in n)) { printf "<%d>", code; next }
    up = shift; if (code in letter && caps) up = !up
    c = up ? s[code] : n[code]
    if (ctrl) { printf "<C-%s>", n[code]; next }
    if (alt) { printf "<A-%s>", n[code]; next }
    printf "%s", c
}
