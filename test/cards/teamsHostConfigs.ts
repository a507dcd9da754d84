/**
 * Teams' Adaptive Card host configs, for rendering our cards as Teams draws them.
 *
 * Light and dark: Microsoft's own, as the Adaptive Cards designer ships them (npm `adaptivecards-designer` 2.4.4,
 * `lib/hostConfigs/microsoft-teams-light.json` and `microsoft-teams-dark.json`, MIT; source
 * microsoft/AdaptiveCards `source/nodejs/adaptivecards-designer/src/hostConfigs/`). The package is not a
 * devDependency: it wants adaptivecards ^2.10 and monaco-editor as peers (we render with adaptivecards 3), so the
 * fields that decide size, spacing and colour are copied here (the file's `factSet` spells `wrap` as `warp`).
 *
 * High contrast: Microsoft publishes no Teams high-contrast host config (the designer has light and dark only), so
 * its colours are Teams' high-contrast theme as Fluent UI Northstar defines it
 * (microsoft/fluentui `packages/fluentui/react-northstar/src/themes/teams-high-contrast/colors.ts`: white on black,
 * `accessibleYellow` #ffff01, `accessibleGreen` #3ff23f, `accessibleCyan` #1aebff, `red` #f00), on the same layout.
 */

type Shades = { readonly default: string; readonly subtle: string };
export type ForegroundColors = Readonly<Record<'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention', Shades>>;

export interface TeamsHostConfig {
  readonly name: string;
  /** The host config JSON as the renderer takes it. */
  readonly json: Readonly<Record<string, unknown>>;
  /** `containerStyles.default`, the card's own background and text colours. */
  readonly background: string;
  readonly foreground: ForegroundColors;
}

/** What the designer's two Teams configs share: fonts, sizes, spacing, actions (Horizontal, at most 6). */
const TEAMS_LAYOUT = {
  choiceSetInputValueSeparator: ',',
  supportsInteractivity: true,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#EEEEEE' },
  imageSizes: { small: 32, medium: 52, large: 100 },
  fontTypes: {
    default: {
      fontFamily: "'Segoe UI', Tahoma, Geneva, Verdana, sans-serif",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: "'Courier New', Courier, monospace",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
  },
  textStyles: { heading: { fontType: 'default', size: 'large', weight: 'bolder', color: 'default', isSubtle: false } },
  textBlock: { headingLevel: 2 },
  actions: {
    maxActions: 6,
    spacing: 'Default',
    buttonSpacing: 8,
    showCard: { actionMode: 'Inline', inlineTopMargin: 16, style: 'emphasis' },
    preExpandSingleShowCardAction: false,
    actionsOrientation: 'Horizontal',
    actionAlignment: 'Left',
  },
  adaptiveCard: { allowCustomStyle: false },
  imageSet: { imageSize: 'Medium', maxImageHeight: 100 },
  factSet: {
    title: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Bolder', wrap: true },
    value: { size: 'Default', color: 'Default', isSubtle: false, weight: 'Default', wrap: true },
    spacing: 16,
  },
};

function hostConfig(name: string, background: string, emphasis: string, foreground: ForegroundColors): TeamsHostConfig {
  return {
    name,
    background,
    foreground,
    json: {
      ...TEAMS_LAYOUT,
      containerStyles: {
        default: { backgroundColor: background, foregroundColors: foreground },
        emphasis: { backgroundColor: emphasis, foregroundColors: foreground },
      },
    },
  };
}

export const TEAMS_LIGHT_CONFIG = hostConfig('Teams light', '#ffffff', '#fff9f8f7', {
  default: { default: '#ff252424', subtle: '#bf252424' },
  dark: { default: '#252424', subtle: '#bf252424' },
  light: { default: '#ffffff', subtle: '#fff3f2f1' },
  accent: { default: '#6264a7', subtle: '#8b8cc7' },
  good: { default: '#92c353', subtle: '#e592c353' },
  warning: { default: '#f8d22a', subtle: '#e5f8d22a' },
  attention: { default: '#c4314b', subtle: '#e5c4314b' },
});

export const TEAMS_DARK_CONFIG = hostConfig('Teams dark', '#ff2d2c2c', '#ff292828', {
  default: { default: '#ffffffff', subtle: '#bfffffff' },
  dark: { default: '#ff201f1f', subtle: '#ff2d2c2c' },
  light: { default: '#ffffffff', subtle: '#bfffffff' },
  accent: { default: '#ffa6a7dc', subtle: '#ff8b8cc7' },
  good: { default: '#ff92c353', subtle: '#e592c353' },
  warning: { default: '#fff8d22a', subtle: '#e5f8d22a' },
  attention: { default: '#ffd74654', subtle: '#e5d74654' },
});

/** Subtle text is not dimmed in high contrast. */
export const TEAMS_HIGH_CONTRAST_CONFIG = hostConfig('Teams high contrast', '#000000', '#000000', {
  default: { default: '#ffffff', subtle: '#ffffff' },
  dark: { default: '#ffffff', subtle: '#ffffff' },
  light: { default: '#ffffff', subtle: '#ffffff' },
  accent: { default: '#1aebff', subtle: '#1aebff' },
  good: { default: '#3ff23f', subtle: '#3ff23f' },
  warning: { default: '#ffff01', subtle: '#ffff01' },
  attention: { default: '#ff0000', subtle: '#ff0000' },
});

export const TEAMS_HOST_CONFIGS: readonly TeamsHostConfig[] = [TEAMS_LIGHT_CONFIG, TEAMS_DARK_CONFIG, TEAMS_HIGH_CONTRAST_CONFIG];
