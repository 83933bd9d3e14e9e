package io.calmdb.replication.keyspace;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The arithmetic of C's {@code long double} on x86-64 (the x87 80-bit extended format: a 64-bit significand, binary
 * exponents down to 2^-16445 with gradual underflow, overflow to infinity above 2^16384), emulated exactly with big
 * integers, so that {@code INCRBYFLOAT} and {@code HINCRBYFLOAT} answer the very digits Redis answers:
 * {@code SET k 1000} then {@code INCRBYFLOAT k 0.1} is {@code 1000.09999999999999998} in Redis, which Java's
 * {@code double} cannot reproduce. Parsing follows glibc's {@code strtold} as Redis's {@code string2ld} calls it
 * (decimal and hexadecimal forms, {@code inf}, {@code infinity}, {@code nan}; round to nearest, ties to even), and
 * formatting follows Redis's {@code ld2string(..., LD_STR_HUMAN)}: {@code %.17Lf} with trailing zeros removed.
 *
 * <p>A value is {@code significand * 2^exponent} with a sign, or infinity, or NaN. Immutable.
 */
final class LongDouble {
    /** Redis's {@code MAX_LONG_DOUBLE_CHARS}: a float argument must be shorter than this many bytes. */
    static final int TEXT_BYTES_LIMIT = 5 * 1024;
    private static final int SIGNIFICAND_BITS = 64;
    /** The exponent of the least significant bit of the smallest subnormal. */
    private static final int EXPONENT_MIN = -16445;
    /** Values at or above 2^EXPONENT_LIMIT overflow to infinity. */
    private static final int EXPONENT_LIMIT = 16384;
    /** A decimal exponent beyond which a literal surely overflows, or surely underflows to zero. */
    private static final int DECIMAL_EXPONENT_OVERFLOW = 4933;
    private static final int DECIMAL_EXPONENT_UNDERFLOW = -4952;

    private final boolean negative;
    private final BigInteger significand;
    private final int exponent;
    private final boolean infinite;
    private final boolean nan;

    private LongDouble(boolean negative, BigInteger significand, int exponent, boolean infinite, boolean nan) {
        this.negative = negative;
        this.significand = significand;
        this.exponent = exponent;
        this.infinite = infinite;
        this.nan = nan;
    }

    private static final LongDouble NAN = new LongDouble(false, BigInteger.ZERO, 0, false, true);

    private static LongDouble infinity(boolean negative) {
        return new LongDouble(negative, BigInteger.ZERO, 0, true, false);
    }

    boolean isFinite() {
        return !infinite && !nan;
    }

    /** An exact 64-bit integer (every one is representable). */
    static LongDouble of(long value) {
        return rational(value < 0, BigInteger.valueOf(value).abs(), BigInteger.ONE, 0);
    }

    /**
     * Parses {@code text} as Redis's {@code string2ld} does: null when Redis would answer "not a valid float" (empty,
     * too long, leading space, trailing text, NaN, or a finite literal that overflows or underflows to zero).
     */
    static LongDouble parse(String text) {
        if (text.isEmpty() || text.length() >= TEXT_BYTES_LIMIT || Character.isWhitespace(text.charAt(0))
                || text.charAt(0) == '\u000b' || text.charAt(0) == '\f') {
            return null;
        }
        int at = 0;
        boolean negative = false;
        if (text.charAt(0) == '+' || text.charAt(0) == '-') {
            negative = text.charAt(0) == '-';
            at = 1;
        }
        String body = text.substring(at).toLowerCase(Locale.ROOT);
        if (body.equals("inf") || body.equals("infinity")) {
            return infinity(negative);
        }
        if (body.equals("nan") || body.startsWith("nan(")) {
            return null;
        }
        if (body.startsWith("0x")) {
            return parseHex(negative, body.substring(2));
        }
        return parseDecimal(negative, body);
    }

    private static LongDouble parseDecimal(boolean negative, String body) {
        int mantissaEnd = body.indexOf('e');
        String mantissa = mantissaEnd < 0 ? body : body.substring(0, mantissaEnd);
        long decimalExponent = 0;
        if (mantissaEnd >= 0) {
            Long parsed = exponentOf(body.substring(mantissaEnd + 1));
            if (parsed == null) {
                return null;
            }
            decimalExponent = parsed;
        }
        int dot = mantissa.indexOf('.');
        String integerDigits = dot < 0 ? mantissa : mantissa.substring(0, dot);
        String fractionDigits = dot < 0 ? "" : mantissa.substring(dot + 1);
        if ((integerDigits + fractionDigits).isEmpty() || !digits(integerDigits, 10) || !digits(fractionDigits, 10)) {
            return null;
        }
        BigInteger digits = new BigInteger(integerDigits + fractionDigits);
        if (digits.signum() == 0) {
            return new LongDouble(negative, BigInteger.ZERO, 0, false, false);
        }
        long scaleExponent = decimalExponent - fractionDigits.length();
        long adjusted = scaleExponent + digits.toString().length() - 1;
        if (adjusted > DECIMAL_EXPONENT_OVERFLOW || adjusted < DECIMAL_EXPONENT_UNDERFLOW) {
            return null; // strtold reports ERANGE with infinity or zero, which string2ld refuses
        }
        BigInteger numerator = scaleExponent >= 0 ? digits.multiply(BigInteger.TEN.pow((int) scaleExponent)) : digits;
        BigInteger denominator = scaleExponent >= 0 ? BigInteger.ONE : BigInteger.TEN.pow((int) -scaleExponent);
        return finiteOrNull(rational(negative, numerator, denominator, 0));
    }

    private static LongDouble parseHex(boolean negative, String body) {
        int mantissaEnd = body.indexOf('p');
        String mantissa = mantissaEnd < 0 ? body : body.substring(0, mantissaEnd);
        long binaryExponent = 0;
        if (mantissaEnd >= 0) {
            Long parsed = exponentOf(body.substring(mantissaEnd + 1));
            if (parsed == null) {
                return null;
            }
            binaryExponent = parsed;
        }
        int dot = mantissa.indexOf('.');
        String integerDigits = dot < 0 ? mantissa : mantissa.substring(0, dot);
        String fractionDigits = dot < 0 ? "" : mantissa.substring(dot + 1);
        if ((integerDigits + fractionDigits).isEmpty() || !digits(integerDigits, 16) || !digits(fractionDigits, 16)) {
            return null;
        }
        BigInteger digits = new BigInteger(integerDigits + fractionDigits, 16);
        if (digits.signum() == 0) {
            return new LongDouble(negative, BigInteger.ZERO, 0, false, false);
        }
        long shift = binaryExponent - 4L * fractionDigits.length();
        long top = shift + digits.bitLength();
        if (top > EXPONENT_LIMIT + 1 || top < EXPONENT_MIN - 1) {
            return null;
        }
        return finiteOrNull(rational(negative, digits, BigInteger.ONE, (int) shift));
    }

    private static LongDouble finiteOrNull(LongDouble value) {
        return value.infinite || (value.significand.signum() == 0) ? null : value;
    }

    /** A decimal exponent: optional sign and digits, clamped far beyond any representable magnitude. */
    private static Long exponentOf(String text) {
        int at = text.startsWith("+") || text.startsWith("-") ? 1 : 0;
        if (at == text.length() || !digits(text.substring(at), 10)) {
            return null;
        }
        String magnitude = text.substring(at).replaceFirst("^0+(?=.)", "");
        long value = magnitude.length() > 9 ? 1_000_000_000L : Long.parseLong(magnitude);
        return text.startsWith("-") ? -value : value;
    }

    private static boolean digits(String text, int radix) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), radix) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value nearest to {@code numerator / denominator * 2^shift} (positive numerator), rounded to 64 significant
     * bits (fewer below the normal range), ties to even; infinity above the range.
     */
    private static LongDouble rational(boolean negative, BigInteger numerator, BigInteger denominator, int shift) {
        if (numerator.signum() == 0) {
            return new LongDouble(negative, BigInteger.ZERO, 0, false, false);
        }
        // e is the exponent of the last kept bit: with e = estimate - 64 the quotient has 64 or 65 bits.
        long estimate = (long) numerator.bitLength() - denominator.bitLength() + shift;
        long e = Math.max(estimate - SIGNIFICAND_BITS, EXPONENT_MIN);
        BigInteger[] quotient = divideScaled(numerator, denominator, shift - e);
        if (quotient[0].bitLength() > SIGNIFICAND_BITS) {
            e++;
            quotient = divideScaled(numerator, denominator, shift - e);
        }
        BigInteger q = quotient[0];
        int comparison = quotient[1].shiftLeft(1).compareTo(quotient[2]);
        if (comparison > 0 || (comparison == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
        }
        if (q.bitLength() > SIGNIFICAND_BITS) {
            q = q.shiftRight(1);
            e++;
        }
        if (e + q.bitLength() > EXPONENT_LIMIT) {
            return infinity(negative);
        }
        return new LongDouble(negative, q, (int) e, false, false);
    }

    /** {quotient, remainder, divisor} of numerator * 2^power / denominator. */
    private static BigInteger[] divideScaled(BigInteger numerator, BigInteger denominator, long power) {
        BigInteger n = power >= 0 ? numerator.shiftLeft((int) power) : numerator;
        BigInteger d = power >= 0 ? denominator : denominator.shiftLeft((int) -power);
        BigInteger[] qr = n.divideAndRemainder(d);
        return new BigInteger[] {qr[0], qr[1], d};
    }

    /** The sum, rounded once as the x87 unit rounds it; infinity or NaN as C gives them. */
    LongDouble add(LongDouble other) {
        if (nan || other.nan) {
            return NAN;
        }
        if (infinite || other.infinite) {
            if (infinite && other.infinite && negative != other.negative) {
                return NAN;
            }
            return infinite ? this : other;
        }
        int low = Math.min(exponent, other.exponent);
        BigInteger a = signed().shiftLeft(exponent - low);
        BigInteger b = other.signed().shiftLeft(other.exponent - low);
        BigInteger sum = a.add(b);
        if (sum.signum() == 0) {
            return new LongDouble(negative && other.negative, BigInteger.ZERO, 0, false, false);
        }
        return rational(sum.signum() < 0, sum.abs(), BigInteger.ONE, low);
    }

    private BigInteger signed() {
        return negative ? significand.negate() : significand;
    }

    /** The exact value as a decimal (finite values only). */
    BigDecimal exact() {
        if (!isFinite()) {
            throw new IllegalStateException("not finite");
        }
        BigDecimal magnitude = exponent >= 0 ? new BigDecimal(significand.shiftLeft(exponent))
                : new BigDecimal(significand).divide(new BigDecimal(BigInteger.ONE.shiftLeft(-exponent)));
        return negative ? magnitude.negate() : magnitude;
    }

    /** Redis's {@code ld2string(LD_STR_HUMAN)}: {@code %.17Lf}, trailing fractional zeros and point removed, no "-0". */
    String toRedisString() {
        return human(exact());
    }

    /** {@code %.17Lf} of an exact decimal (rounding ties to even, as glibc does), trimmed as Redis trims it. */
    static String human(BigDecimal value) {
        BigDecimal rounded = value.setScale(17, RoundingMode.HALF_EVEN);
        String text = rounded.toPlainString();
        if (text.indexOf('.') >= 0) {
            text = text.replaceFirst("0+$", "");
            if (text.endsWith(".")) {
                text = text.substring(0, text.length() - 1);
            }
        }
        return text.equals("-0") ? "0" : text;
    }
}
