/* Tailwind for memeter's static pages: every class used lives in
 * htdocs/*.html and htdocs/js/*.js, so those are what the CLI scans. */
/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ['./htdocs/*.html', './htdocs/js/**/*.js'],
  theme: {
    extend: {
      // Phones whose browser bars leave little height (375x553, 360x640,
      // and any phone held sideways): the rater page tightens its spacing.
      screens: {
        short: { raw: '(max-height: 700px) and (max-width: 1023px)' },
        // Laptops (1280x720, 1366x768): wide but low; the results page
        // tightens so the podium fits one screen.
        low: { raw: '(min-width: 1024px) and (max-height: 800px)' },
      },
      fontFamily: {
        sans: ['"Outfit Variable"', 'ui-sans-serif', 'system-ui', 'sans-serif'],
      },
      colors: {
        ink: {
          950: '#0b0a1a',
          900: '#141230',
          800: '#1e1b45',
          700: '#2c2863',
          600: '#3d3885',
        },
        pop: {
          yellow: '#ffd23f',
          pink: '#ff4f9a',
          mint: '#3df5a7',
          sky: '#4cc9f0',
          red: '#ff5d5d',
        },
      },
      keyframes: {
        flash: {
          '0%': { boxShadow: '0 0 0 0 rgba(255,210,63,0.9)' },
          '100%': { boxShadow: '0 0 0 18px rgba(255,210,63,0)' },
        },
        rise: {
          '0%': { opacity: '0', transform: 'translateY(24px) scale(0.96)' },
          '100%': { opacity: '1', transform: 'none' },
        },
        pop: {
          '0%': { transform: 'scale(1)' },
          '40%': { transform: 'scale(1.18)' },
          '100%': { transform: 'scale(1)' },
        },
      },
      animation: {
        flash: 'flash 0.9s ease-out',
        rise: 'rise 0.5s cubic-bezier(.2,.9,.3,1.2) both',
        pop: 'pop 0.35s ease-out',
      },
    },
  },
  plugins: [],
};
