import { TEAMS_HOST_CONFIGS } from './teamsHostConfigs';

/**
 * The text colours of the hosts our cards are shown in, as each host's Adaptive Cards host config gives them
 * (`containerStyles.default`: background and `foregroundColors`, `#AARRGGBB` or `#RRGGBB`). Only what contrast needs.
 */
export interface HostColours {
  readonly name: string;
  readonly background: string;
  readonly foreground: Readonly<Record<'default' | 'accent' | 'good' | 'warning' | 'attention', { default: string; subtle: string }>>;
}

/** Teams light, dark and high contrast: the host configs the renders use (teamsHostConfigs.ts names their sources). */
export const [TEAMS_LIGHT, TEAMS_DARK, TEAMS_HIGH_CONTRAST] = TEAMS_HOST_CONFIGS.map(({ name, background, foreground }): HostColours => ({
  name,
  background,
  foreground,
})) as [HostColours, HostColours, HostColours];

/**
 * Web Chat 4.18 on our page: its host config (bundle's `createAdaptiveCardsHostConfig`: default = `bubbleTextColor`,
 * subtle = `subtle`, accent = `accent`, attention #D13438, good #0B6A0B, warning #B75C00) with web/main.js's
 * styleOptions (white bubbles, subtle #4f5661, accent #0b5cad, text #000000 by default).
 */
export const WEB_CHAT: HostColours = {
  name: 'Web Chat',
  background: '#ffffff',
  foreground: {
    default: { default: '#000000', subtle: '#4f5661' },
    accent: { default: '#0b5cad', subtle: '#0078D4' },
    good: { default: '#0B6A0B', subtle: '#028A02' },
    warning: { default: '#B75C00', subtle: '#986F0B' },
    attention: { default: '#D13438', subtle: '#A4262C' },
  },
};

export const HOSTS: readonly HostColours[] = [TEAMS_LIGHT, TEAMS_DARK, TEAMS_HIGH_CONTRAST, WEB_CHAT];

/** `#RRGGBB` or `#AARRGGBB` as red, green, blue (0-255) and alpha (0-1). */
function parse(colour: string): { r: number; g: number; b: number; a: number } {
  const hex = colour.replace('#', '');
  const [a, rgb] = hex.length === 8 ? [parseInt(hex.slice(0, 2), 16) / 255, hex.slice(2)] : [1, hex];
  return { r: parseInt(rgb.slice(0, 2), 16), g: parseInt(rgb.slice(2, 4), 16), b: parseInt(rgb.slice(4, 6), 16), a };
}

/** WCAG 2.2 relative luminance (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance). */
function luminance({ r, g, b }: { r: number; g: number; b: number }): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The WCAG contrast ratio of `foreground` (its alpha composited over the background) on `background`. */
export function contrast(foreground: string, background: string): number {
  const bg = parse(background);
  const fg = parse(foreground);
  const over = { r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a) };
  const [light, dark] = [luminance(over), luminance(bg)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}
