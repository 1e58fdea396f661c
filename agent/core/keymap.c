/* SPDX-License-Identifier: MIT */
/* keymap: the one key table (KeyboardEvent.code → HID usage → evdev code) and
 * the short aliases people type. */
#include "keymap.h"

#include <string.h>
#include <strings.h>

#define KB(code, usage, evdev) { code, KEYMAP_PAGE_KEYBOARD, usage, evdev }
#define CC(code, usage, evdev) { code, KEYMAP_PAGE_CONSUMER, usage, evdev }

/* Usages from the USB HID Usage Tables (Keyboard/Keypad page 0x07, Consumer
 * page 0x0C); codes from the W3C "UI Events KeyboardEvent code Values"; evdev
 * codes as Linux's hid-input.c maps the usages. Keyboard rows come first, in
 * usage order. */
static const struct keymap_key keys[] = {
	KB("KeyA", 0x04, 30), KB("KeyB", 0x05, 48), KB("KeyC", 0x06, 46),
	KB("KeyD", 0x07, 32), KB("KeyE", 0x08, 18), KB("KeyF", 0x09, 33),
	KB("KeyG", 0x0A, 34), KB("KeyH", 0x0B, 35), KB("KeyI", 0x0C, 23),
	KB("KeyJ", 0x0D, 36), KB("KeyK", 0x0E, 37), KB("KeyL", 0x0F, 38),
	KB("KeyM", 0x10, 50), KB("KeyN", 0x11, 49), KB("KeyO", 0x12, 24),
	KB("KeyP", 0x13, 25), KB("KeyQ", 0x14, 16), KB("KeyR", 0x15, 19),
	KB("KeyS", 0x16, 31), KB("KeyT", 0x17, 20), KB("KeyU", 0x18, 22),
	KB("KeyV", 0x19, 47), KB("KeyW", 0x1A, 17), KB("KeyX", 0x1B, 45),
	KB("KeyY", 0x1C, 21), KB("KeyZ", 0x1D, 44),
	KB("Digit1", 0x1E, 2), KB("Digit2", 0x1F, 3), KB("Digit3", 0x20, 4),
	KB("Digit4", 0x21, 5), KB("Digit5", 0x22, 6), KB("Digit6", 0x23, 7),
	KB("Digit7", 0x24, 8), KB("Digit8", 0x25, 9), KB("Digit9", 0x26, 10),
	KB("Digit0", 0x27, 11),
	KB("Enter", 0x28, 28), KB("Escape", 0x29, 1), KB("Backspace", 0x2A, 14),
	KB("Tab", 0x2B, 15), KB("Space", 0x2C, 57), KB("Minus", 0x2D, 12),
	KB("Equal", 0x2E, 13), KB("BracketLeft", 0x2F, 26),
	KB("BracketRight", 0x30, 27), KB("Backslash", 0x31, 43),
	KB("IntlHash", 0x32, 43), KB("Semicolon", 0x33, 39),
	KB("Quote", 0x34, 40), KB("Backquote", 0x35, 41), KB("Comma", 0x36, 51),
	KB("Period", 0x37, 52), KB("Slash", 0x38, 53), KB("CapsLock", 0x39, 58),
	KB("F1", 0x3A, 59), KB("F2", 0x3B, 60), KB("F3", 0x3C, 61),
	KB("F4", 0x3D, 62), KB("F5", 0x3E, 63), KB("F6", 0x3F, 64),
	KB("F7", 0x40, 65), KB("F8", 0x41, 66), KB("F9", 0x42, 67),
	KB("F10", 0x43, 68), KB("F11", 0x44, 87), KB("F12", 0x45, 88),
	KB("PrintScreen", 0x46, 99), KB("ScrollLock", 0x47, 70),
	KB("Pause", 0x48, 119), KB("Insert", 0x49, 110), KB("Home", 0x4A, 102),
	KB("PageUp", 0x4B, 104), KB("Delete", 0x4C, 111), KB("End", 0x4D, 107),
	KB("PageDown", 0x4E, 109), KB("ArrowRight", 0x4F, 106),
	KB("ArrowLeft", 0x50, 105), KB("ArrowDown", 0x51, 108),
	KB("ArrowUp", 0x52, 103), KB("NumLock", 0x53, 69),
	KB("NumpadDivide", 0x54, 98), KB("NumpadMultiply", 0x55, 55),
	KB("NumpadSubtract", 0x56, 74), KB("NumpadAdd", 0x57, 78),
	KB("NumpadEnter", 0x58, 96), KB("Numpad1", 0x59, 79),
	KB("Numpad2", 0x5A, 80), KB("Numpad3", 0x5B, 81), KB("Numpad4", 0x5C, 75),
	KB("Numpad5", 0x5D, 76), KB("Numpad6", 0x5E, 77), KB("Numpad7", 0x5F, 71),
	KB("Numpad8", 0x60, 72), KB("Numpad9", 0x61, 73), KB("Numpad0", 0x62, 82),
	KB("NumpadDecimal", 0x63, 83), KB("IntlBackslash", 0x64, 86),
	KB("ContextMenu", 0x65, 127), KB("Power", 0x66, 116),
	KB("NumpadEqual", 0x67, 117),
	KB("F13", 0x68, 183), KB("F14", 0x69, 184), KB("F15", 0x6A, 185),
	KB("F16", 0x6B, 186), KB("F17", 0x6C, 187), KB("F18", 0x6D, 188),
	KB("F19", 0x6E, 189), KB("F20", 0x6F, 190), KB("F21", 0x70, 191),
	KB("F22", 0x71, 192), KB("F23", 0x72, 193), KB("F24", 0x73, 194),
	KB("Open", 0x74, 134), KB("Help", 0x75, 138), KB("Props", 0x76, 130),
	KB("Select", 0x77, 132), KB("Again", 0x79, 129), KB("Undo", 0x7A, 131),
	KB("Cut", 0x7B, 137), KB("Copy", 0x7C, 133), KB("Paste", 0x7D, 135),
	KB("Find", 0x7E, 136), KB("NumpadComma", 0x85, 121),
	KB("IntlRo", 0x87, 89), KB("KanaMode", 0x88, 93), KB("IntlYen", 0x89, 124),
	KB("Convert", 0x8A, 92), KB("NonConvert", 0x8B, 94),
	KB("Lang1", 0x90, 122), KB("Lang2", 0x91, 123), KB("Lang3", 0x92, 90),
	KB("Lang4", 0x93, 91), KB("Lang5", 0x94, 85),
	KB("NumpadParenLeft", 0xB6, 179), KB("NumpadParenRight", 0xB7, 180),
	KB("ControlLeft", 0xE0, 29), KB("ShiftLeft", 0xE1, 42),
	KB("AltLeft", 0xE2, 56), KB("MetaLeft", 0xE3, 125),
	KB("ControlRight", 0xE4, 97), KB("ShiftRight", 0xE5, 54),
	KB("AltRight", 0xE6, 100), KB("MetaRight", 0xE7, 126),
	/* Consumer control: media and browser keys go out on /dev/hidg1. */
	CC("BrightnessUp", 0x06F, 225), CC("BrightnessDown", 0x070, 224),
	CC("MediaTrackNext", 0x0B5, 163), CC("MediaTrackPrevious", 0x0B6, 165),
	CC("MediaStop", 0x0B7, 166), CC("Eject", 0x0B8, 161),
	CC("MediaPlayPause", 0x0CD, 164), CC("AudioVolumeMute", 0x0E2, 113),
	CC("AudioVolumeUp", 0x0E9, 115), CC("AudioVolumeDown", 0x0EA, 114),
	CC("MediaSelect", 0x183, 171), CC("LaunchMail", 0x18A, 155),
	CC("LaunchApp2", 0x192, 140), CC("LaunchApp1", 0x194, 144),
	CC("BrowserSearch", 0x221, 217), CC("BrowserHome", 0x223, 172),
	CC("BrowserBack", 0x224, 158), CC("BrowserForward", 0x225, 159),
	CC("BrowserStop", 0x226, 128), CC("BrowserRefresh", 0x227, 173),
	CC("BrowserFavorites", 0x22A, 156),
};

struct alias {
	const char *name;
	const char *code;
};

/* Short names people type. Single letters and digits are handled by rule in
 * keymap_lookup(); punctuation names follow the US key caps. */
static const struct alias aliases[] = {
	{ "ctrl", "ControlLeft" }, { "control", "ControlLeft" },
	{ "lctrl", "ControlLeft" }, { "rctrl", "ControlRight" },
	{ "shift", "ShiftLeft" }, { "lshift", "ShiftLeft" },
	{ "rshift", "ShiftRight" }, { "alt", "AltLeft" }, { "lalt", "AltLeft" },
	{ "ralt", "AltRight" }, { "altgr", "AltRight" }, { "option", "AltLeft" },
	{ "win", "MetaLeft" }, { "windows", "MetaLeft" }, { "super", "MetaLeft" },
	{ "meta", "MetaLeft" }, { "cmd", "MetaLeft" }, { "command", "MetaLeft" },
	{ "gui", "MetaLeft" }, { "lwin", "MetaLeft" }, { "rwin", "MetaRight" },
	{ "esc", "Escape" }, { "return", "Enter" }, { "ret", "Enter" },
	{ "del", "Delete" }, { "ins", "Insert" }, { "bksp", "Backspace" },
	{ "bs", "Backspace" }, { "spc", "Space" }, { "pgup", "PageUp" },
	{ "pgdn", "PageDown" }, { "pgdown", "PageDown" }, { "up", "ArrowUp" },
	{ "down", "ArrowDown" }, { "left", "ArrowLeft" }, { "right", "ArrowRight" },
	{ "prtsc", "PrintScreen" }, { "print", "PrintScreen" },
	{ "sysrq", "PrintScreen" }, { "scrlk", "ScrollLock" },
	{ "break", "Pause" }, { "caps", "CapsLock" }, { "capslk", "CapsLock" },
	{ "numlk", "NumLock" }, { "menu", "ContextMenu" }, { "apps", "ContextMenu" },
	{ "dash", "Minus" }, { "hyphen", "Minus" }, { "equals", "Equal" },
	{ "lbracket", "BracketLeft" }, { "rbracket", "BracketRight" },
	{ "comma", "Comma" }, { "period", "Period" }, { "dot", "Period" },
	{ "apostrophe", "Quote" }, { "grave", "Backquote" },
	{ "backtick", "Backquote" }, { "-", "Minus" }, { "=", "Equal" },
	{ "[", "BracketLeft" }, { "]", "BracketRight" }, { "\\", "Backslash" },
	{ ";", "Semicolon" }, { "'", "Quote" }, { "`", "Backquote" },
	{ ",", "Comma" }, { ".", "Period" }, { "/", "Slash" },
	{ "kp0", "Numpad0" }, { "kp1", "Numpad1" }, { "kp2", "Numpad2" },
	{ "kp3", "Numpad3" }, { "kp4", "Numpad4" }, { "kp5", "Numpad5" },
	{ "kp6", "Numpad6" }, { "kp7", "Numpad7" }, { "kp8", "Numpad8" },
	{ "kp9", "Numpad9" }, { "kpenter", "NumpadEnter" }, { "kpplus", "NumpadAdd" },
	{ "kpminus", "NumpadSubtract" }, { "kpmultiply", "NumpadMultiply" },
	{ "kpdivide", "NumpadDivide" }, { "kpdecimal", "NumpadDecimal" },
	{ "volup", "AudioVolumeUp" }, { "volumeup", "AudioVolumeUp" },
	{ "voldown", "AudioVolumeDown" }, { "volumedown", "AudioVolumeDown" },
	{ "mute", "AudioVolumeMute" }, { "volumemute", "AudioVolumeMute" },
	{ "play", "MediaPlayPause" },
	{ "playpause", "MediaPlayPause" }, { "next", "MediaTrackNext" },
	{ "nexttrack", "MediaTrackNext" }, { "prev", "MediaTrackPrevious" },
	{ "previous", "MediaTrackPrevious" }, { "prevtrack", "MediaTrackPrevious" },
	{ "stop", "MediaStop" }, { "mediastop", "MediaStop" },
	{ "calculator", "LaunchApp2" }, { "calc", "LaunchApp2" },
	{ "mycomputer", "LaunchApp1" }, { "mail", "LaunchMail" },
	{ "browserback", "BrowserBack" }, { "back", "BrowserBack" },
	{ "forward", "BrowserForward" }, { "refresh", "BrowserRefresh" },
	{ "search", "BrowserSearch" }, { "homepage", "BrowserHome" },
	{ "favorites", "BrowserFavorites" },
};

#define N_KEYS (sizeof keys / sizeof keys[0])
#define N_ALIASES (sizeof aliases / sizeof aliases[0])

static bool name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(name, s, len) == 0;
}

static const struct keymap_key *by_code(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (name_is(name, len, keys[i].code))
			return &keys[i];
	return NULL;
}

/* "a".."z" → KeyA.., "0".."9" → Digit0.., "f1".."f24" handled by the table
 * since F-keys are their own code. */
static const struct keymap_key *by_rule(const char *name, size_t len)
{
	char code[8];

	if (len != 1)
		return NULL;
	char c = name[0];
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (c >= 'a' && c <= 'z') {
		code[0] = 'K', code[1] = 'e', code[2] = 'y';
		code[3] = (char)(c - 'a' + 'A'), code[4] = '\0';
	} else if (c >= '0' && c <= '9') {
		memcpy(code, "Digit", 5);
		code[5] = c, code[6] = '\0';
	} else {
		return NULL;
	}
	return by_code(code, strlen(code));
}

const struct keymap_key *keymap_lookup(const char *name, size_t len)
{
	const struct keymap_key *k;

	if (len == 0 || len > 32)
		return NULL;
	if ((k = by_code(name, len)) || (k = by_rule(name, len)))
		return k;
	for (size_t i = 0; i < N_ALIASES; i++)
		if (name_is(name, len, aliases[i].name))
			return by_code(aliases[i].code, strlen(aliases[i].code));
	return NULL;
}

const struct keymap_key *keymap_by_usage(uint8_t page, uint16_t usage)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].page == page && keys[i].usage == usage)
			return &keys[i];
	return NULL;
}

const struct keymap_key *keymap_by_evdev(uint16_t evdev)
{
	/* IntlHash shares evdev 43 with Backslash; the first row (Backslash,
	 * the US-ANSI position) wins, as a host's reverse map would. */
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].page == KEYMAP_PAGE_KEYBOARD && keys[i].evdev == evdev)
			return &keys[i];
	return NULL;
}

bool keymap_is_modifier(const struct keymap_key *k)
{
	return k->page == KEYMAP_PAGE_KEYBOARD && k->usage >= 0xE0 && k->usage <= 0xE7;
}

uint8_t keymap_modifier_bit(const struct keymap_key *k)
{
	return keymap_is_modifier(k) ? (uint8_t)(1u << (k->usage - 0xE0)) : 0;
}

size_t keymap_count(void) { return N_KEYS; }
const struct keymap_key *keymap_at(size_t i) { return i < N_KEYS ? &keys[i] : NULL; }
size_t keymap_alias_count(void) { return N_ALIASES; }
const char *keymap_alias_name(size_t i) { return i < N_ALIASES ? aliases[i].name : NULL; }

const struct keymap_key *keymap_alias_key(size_t i)
{
	if (i >= N_ALIASES)
		return NULL;
	return by_code(aliases[i].code, strlen(aliases[i].code));
}
