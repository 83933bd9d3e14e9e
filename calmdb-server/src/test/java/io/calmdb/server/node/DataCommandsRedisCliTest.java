package io.calmdb.server.node;

import static io.calmdb.server.node.DataCommandsRedisCliTest.Order.EXACT;
import static io.calmdb.server.node.DataCommandsRedisCliTest.Order.UNORDERED;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.server.resp.RedisCli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday data commands and the issue-9 bug fixes through the real {@code redis-cli} against a real node. Every
 * expected output below is what redis-server 7.0 printed for the same command sequence through the same
 * {@code redis-cli} (non-interactive output: one line per element, an empty line for nil or an empty array); replies
 * whose order Redis leaves open compare as sorted lines. Random replies are checked by their own tests.
 */
class DataCommandsRedisCliTest {
    enum Order { EXACT, UNORDERED }

    record Case(Order order, String expected, String... arguments) {}

    private static final List<Case> SEQUENCE = List.of(
            new Case(EXACT, "OK", "flushall"),
            new Case(EXACT, "OK", "set", "c", "9223372036854775807"),
            new Case(EXACT, "9223372036854775806", "decr", "c"),
            new Case(EXACT, "9223372036854775807", "incr", "c"),
            new Case(EXACT, "ERR increment or decrement would overflow", "incr", "c"),
            new Case(EXACT, "9223372036854775807", "hincrby", "h", "f", "9223372036854775807"),
            new Case(EXACT, "9223372036854775806", "hincrby", "h", "f", "-1"),
            new Case(EXACT, "9223372036854775807", "hincrby", "h", "f", "1"),
            new Case(EXACT, "ERR increment or decrement would overflow", "hincrby", "h", "f", "1"),
            new Case(EXACT, "3", "sadd", "s", "a", "b", "c"),
            new Case(EXACT, "1", "srem", "s", "a", "a"),
            new Case(EXACT, "2", "hset", "h2", "a", "1", "b", "2"),
            new Case(EXACT, "1", "hdel", "h2", "a", "a"),
            new Case(EXACT, "0", "scan", "0", "type", "nosuch"),
            new Case(UNORDERED, "0\nh\nh2", "scan", "0", "type", "hash", "count", "1000"),
            new Case(EXACT, "ERR invalid cursor", "scan", "18446744073709551616"),
            new Case(EXACT, "ERR invalid cursor", "scan", "abc"),
            new Case(EXACT, "ERR syntax error", "scan", "0", "count", "0"),
            new Case(EXACT, "ERR value is not an integer or out of range", "scan", "0", "count", "x"),
            new Case(EXACT, "ERR syntax error", "scan", "0", "match"),
            new Case(EXACT, "ERR wrong number of arguments for 'msetnx' command", "msetnx", "k", "1", "k2"),
            new Case(EXACT, "ERR syntax error", "set", "k", "v", "nx", "xx"),
            new Case(EXACT, "ERR syntax error", "set", "k", "v", "xx", "nx"),
            new Case(EXACT, "5", "append", "str", "hello"),
            new Case(EXACT, "11", "append", "str", " world"),
            new Case(EXACT, "11", "strlen", "str"),
            new Case(EXACT, "0", "strlen", "nokey"),
            new Case(EXACT, "hello", "getrange", "str", "0", "4"),
            new Case(EXACT, "world", "getrange", "str", "-5", "-1"),
            new Case(EXACT, "", "getrange", "str", "5", "1"),
            new Case(EXACT, "", "getrange", "str", "-1", "-5"),
            new Case(EXACT, "hello world", "getrange", "str", "0", "1000"),
            new Case(EXACT, "world", "substr", "str", "6", "-1"),
            new Case(EXACT, "", "getrange", "nokey", "0", "10"),
            new Case(EXACT, "11", "setrange", "str", "6", "redis"),
            new Case(EXACT, "hello redis", "get", "str"),
            new Case(EXACT, "6", "setrange", "sr", "5", "x"),
            new Case(EXACT, "\0\0\0\0\0x", "get", "sr"),
            new Case(EXACT, "6", "strlen", "sr"),
            new Case(EXACT, "0", "setrange", "sr2", "0", ""),
            new Case(EXACT, "0", "exists", "sr2"),
            new Case(EXACT, "ERR offset is out of range", "setrange", "str", "-1", "x"),
            new Case(EXACT, "ERR string exceeds maximum allowed size (proto-max-bulk-len)", "setrange", "str", "536870912", "x"),
            new Case(EXACT, "0", "setbit", "bits", "7", "1"),
            new Case(EXACT, "1", "setbit", "bits", "7", "0"),
            new Case(EXACT, "0", "setbit", "bits", "100", "1"),
            new Case(EXACT, "1", "getbit", "bits", "100"),
            new Case(EXACT, "0", "getbit", "bits", "99"),
            new Case(EXACT, "0", "getbit", "bits", "1000000"),
            new Case(EXACT, "ERR bit is not an integer or out of range", "setbit", "bits", "1", "2"),
            new Case(EXACT, "ERR bit offset is not an integer or out of range", "setbit", "bits", "-1", "1"),
            new Case(EXACT, "\0\0\0\0\0\0\0\0\0\0\0\0\b", "get", "bits"),
            new Case(EXACT, "OK", "set", "bc", "foobar"),
            new Case(EXACT, "26", "bitcount", "bc"),
            new Case(EXACT, "4", "bitcount", "bc", "0", "0"),
            new Case(EXACT, "6", "bitcount", "bc", "1", "1"),
            new Case(EXACT, "18", "bitcount", "bc", "1", "-2"),
            new Case(EXACT, "17", "bitcount", "bc", "5", "30", "bit"),
            new Case(EXACT, "1", "bitcount", "bc", "-3", "-1", "bit"),
            new Case(EXACT, "ERR syntax error", "bitcount", "bc", "1"),
            new Case(EXACT, "ERR syntax error", "bitcount", "bc", "0", "1", "foo"),
            new Case(EXACT, "0", "bitcount", "nokey"),
            new Case(EXACT, "OK", "set", "s1", "ohmytext"),
            new Case(EXACT, "OK", "set", "s2", "mynewtext"),
            new Case(EXACT, "mytext", "lcs", "s1", "s2"),
            new Case(EXACT, "6", "lcs", "s1", "s2", "len"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n2\n3\n0\n1\nlen\n6", "lcs", "s1", "s2", "idx"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n4\nlen\n6", "lcs", "s1", "s2", "idx", "minmatchlen", "4", "withmatchlen"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n4\n2\n3\n0\n1\n2\nlen\n6", "lcs", "s1", "s2", "idx", "withmatchlen"),
            new Case(EXACT, "ERR If you want both the length and indexes, please just use IDX.", "lcs", "s1", "s2", "len", "idx"),
            new Case(EXACT, "ERR The specified keys must contain string values", "lcs", "s1", "s"),
            new Case(EXACT, "", "lcs", "s1", "nokey"),
            new Case(EXACT, "ERR syntax error", "lcs", "s1", "s2", "foo"),
            new Case(EXACT, "OK", "hmset", "hm", "a", "1", "b", "2"),
            new Case(EXACT, "ERR wrong number of arguments for 'hmset' command", "hmset", "hm", "a"),
            new Case(UNORDERED, "1\n2", "hvals", "hm"),
            new Case(EXACT, "1", "hstrlen", "hm", "a"),
            new Case(EXACT, "0", "hstrlen", "hm", "nofield"),
            new Case(EXACT, "0", "hstrlen", "nokey", "f"),
            new Case(EXACT, "", "hrandfield", "nokey"),
            new Case(EXACT, "", "hrandfield", "nokey", "5"),
            new Case(EXACT, "", "hrandfield", "hm", "0"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "hrandfield", "s", "1"),
            new Case(EXACT, "ERR syntax error", "hrandfield", "hm", "1", "foo"),
            new Case(EXACT, "ERR value is not an integer or out of range", "hrandfield", "hm", "x"),
            new Case(EXACT, "ERR syntax error", "hrandfield", "hm", "2", "withvalues", "x"),
            new Case(EXACT, "0\n1\n0", "smismember", "s", "a", "b", "z"),
            new Case(EXACT, "0", "smismember", "nokey", "a"),
            new Case(EXACT, "4", "sadd", "s1set", "a", "b", "c", "d"),
            new Case(EXACT, "3", "sadd", "s2set", "c", "d", "e"),
            new Case(EXACT, "2", "sadd", "s3set", "d", "f"),
            new Case(EXACT, "d", "sinter", "s1set", "s2set", "s3set"),
            new Case(EXACT, "", "sinter", "s1set", "nokey"),
            new Case(EXACT, "", "sunion", "nokey"),
            new Case(UNORDERED, "b\na", "sdiff", "s1set", "s2set", "s3set"),
            new Case(EXACT, "", "sdiff", "nokey", "s1set"),
            new Case(EXACT, "2", "sinterstore", "dst", "s1set", "s2set"),
            new Case(EXACT, "0", "sinterstore", "dst", "s1set", "nokey"),
            new Case(EXACT, "0", "exists", "dst"),
            new Case(EXACT, "4", "sunionstore", "dst", "s2set", "s3set"),
            new Case(EXACT, "4", "scard", "dst"),
            new Case(EXACT, "2", "sdiffstore", "dst", "s1set", "s2set"),
            new Case(UNORDERED, "b\na", "smembers", "dst"),
            new Case(EXACT, "2", "sintercard", "2", "s1set", "s2set"),
            new Case(EXACT, "1", "sintercard", "2", "s1set", "s2set", "limit", "1"),
            new Case(EXACT, "4", "sintercard", "1", "s1set", "limit", "0"),
            new Case(EXACT, "ERR numkeys should be greater than 0", "sintercard", "0", "s1set"),
            new Case(EXACT, "ERR numkeys should be greater than 0", "sintercard", "x", "s1set"),
            new Case(EXACT, "ERR Number of keys can't be greater than number of args", "sintercard", "3", "s1set"),
            new Case(EXACT, "ERR LIMIT can't be negative", "sintercard", "1", "s1set", "limit", "-1"),
            new Case(EXACT, "ERR LIMIT can't be negative", "sintercard", "1", "s1set", "limit", "x"),
            new Case(EXACT, "ERR syntax error", "sintercard", "1", "s1set", "foo"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "sinter", "s1set", "str"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "sunionstore", "dst", "str"),
            new Case(EXACT, "1", "smove", "s1set", "s3set", "a"),
            new Case(EXACT, "0", "smove", "s1set", "s3set", "a"),
            new Case(EXACT, "1", "sismember", "s3set", "a"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "smove", "s1set", "str", "b"),
            new Case(EXACT, "1", "smove", "s1set", "s1set", "b"),
            new Case(EXACT, "0", "smove", "s1set", "s1set", "zz"),
            new Case(EXACT, "", "spop", "nokey"),
            new Case(EXACT, "", "spop", "nokey", "3"),
            new Case(EXACT, "ERR value is out of range, must be positive", "spop", "s1set", "-1"),
            new Case(EXACT, "", "spop", "s1set", "0"),
            new Case(EXACT, "", "srandmember", "nokey"),
            new Case(EXACT, "", "srandmember", "nokey", "3"),
            new Case(EXACT, "", "srandmember", "s1set", "0"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "srandmember", "str"),
            new Case(EXACT, "1", "sadd", "one", "x"),
            new Case(EXACT, "x", "spop", "one"),
            new Case(EXACT, "0", "exists", "one"),
            new Case(EXACT, "2", "sadd", "two", "x", "y"),
            new Case(UNORDERED, "y\nx", "srandmember", "two", "10"),
            new Case(UNORDERED, "y\nx", "spop", "two", "10"),
            new Case(EXACT, "0", "exists", "two"),
            new Case(EXACT, "ERR no such key", "rename", "nokey", "x"),
            new Case(EXACT, "OK", "set", "r1", "v1"),
            new Case(EXACT, "OK", "rename", "r1", "r2"),
            new Case(EXACT, "v1", "get", "r2"),
            new Case(EXACT, "0", "exists", "r1"),
            new Case(EXACT, "OK", "rename", "r2", "r2"),
            new Case(EXACT, "0", "renamenx", "r2", "r2"),
            new Case(EXACT, "OK", "set", "r3", "v3"),
            new Case(EXACT, "0", "renamenx", "r2", "r3"),
            new Case(EXACT, "1", "renamenx", "r2", "r4"),
            new Case(EXACT, "v1", "get", "r4"),
            new Case(EXACT, "1", "sadd", "rs", "a"),
            new Case(EXACT, "OK", "rename", "rs", "r4"),
            new Case(EXACT, "set", "type", "r4"),
            new Case(EXACT, "a", "smembers", "r4"),
            new Case(EXACT, "ERR source and destination objects are the same", "copy", "r4", "r4"),
            new Case(EXACT, "1", "copy", "r4", "c1"),
            new Case(EXACT, "0", "copy", "r4", "c1"),
            new Case(EXACT, "1", "copy", "r4", "c1", "replace"),
            new Case(EXACT, "a", "smembers", "c1"),
            new Case(EXACT, "0", "copy", "nokey", "c9"),
            new Case(EXACT, "1", "copy", "r3", "c2", "db", "0"),
            new Case(EXACT, "ERR DB index is out of range", "copy", "r3", "c3", "db", "99"),
            new Case(EXACT, "ERR value is not an integer or out of range", "copy", "r3", "c4", "db", "x"),
            new Case(EXACT, "ERR syntax error", "copy", "r3", "c5", "foo"),
            new Case(EXACT, "v3", "get", "c2"),
            new Case(EXACT, "1", "hset", "hc", "f", "1"),
            new Case(EXACT, "1", "copy", "hc", "hc2"),
            new Case(EXACT, "f\n1", "hgetall", "hc2"),
            new Case(EXACT, "2", "touch", "r3", "c1", "nokey"),
            new Case(EXACT, "ERR unknown subcommand 'foo'. Try OBJECT HELP.", "object", "foo"),
            new Case(EXACT, "", "object", "encoding", "nokey"),
            new Case(EXACT, "1", "object", "refcount", "r3"),
            new Case(EXACT, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.", "object", "freq", "r3"),
            new Case(EXACT, "", "object", "idletime", "nokey"),
            new Case(EXACT, "ERR wrong number of arguments for 'object|encoding' command", "object", "encoding"),
            new Case(EXACT, "", "memory", "usage", "nokey"),
            new Case(EXACT, "ERR value is not an integer or out of range", "memory", "usage", "r3", "samples", "x"),
            new Case(EXACT, "ERR unknown subcommand 'foo'. Try MEMORY HELP.", "memory", "foo"),
            new Case(EXACT, "ERR syntax error", "flushall", "foo"),
            new Case(EXACT, "OK", "flushall", "async"),
            new Case(EXACT, "0", "dbsize"),
            new Case(EXACT, "", "randomkey"),
            new Case(EXACT, "OK", "flushdb", "sync"),
            new Case(EXACT, "3", "sadd", "ss", "a", "b", "c"),
            new Case(UNORDERED, "0\nc\nb\na", "sscan", "ss", "0", "count", "100"),
            new Case(EXACT, "0\na", "sscan", "ss", "0", "match", "a"),
            new Case(EXACT, "ERR syntax error", "sscan", "ss", "0", "count", "0"),
            new Case(EXACT, "ERR syntax error", "sscan", "ss", "0", "type", "set"),
            new Case(EXACT, "0", "sscan", "nokey", "0"),
            new Case(EXACT, "1", "hset", "hs", "a", "1"),
            new Case(EXACT, "0\na\n1", "hscan", "hs", "0"),
            new Case(EXACT, "0", "hscan", "hs", "0", "match", "b"),
            new Case(EXACT, "ERR syntax error", "hscan", "hs", "0", "novalues"),
            new Case(EXACT, "ERR invalid cursor", "hscan", "hs", "x")
    );

    /** INCRBYFLOAT and HINCRBYFLOAT: Redis's x87 long double digits, its parsing rules and its errors. */
    private static final List<Case> FLOATS = List.of(
            new Case(EXACT, "OK", "flushall"),
            new Case(EXACT, "OK", "set", "k", "1000"),
            new Case(EXACT, "1000.09999999999999998", "incrbyfloat", "k", "0.1"),
            new Case(EXACT, "5000", "incrbyfloat", "k2", "5.0e3"),
            new Case(EXACT, "10.5", "incrbyfloat", "k3", "10.5"),
            new Case(EXACT, "10.6", "incrbyfloat", "k3", "0.1"),
            new Case(EXACT, "0", "incrbyfloat", "k3", "-10.6"),
            new Case(EXACT, "OK", "set", "k4", "100"),
            new Case(EXACT, "100.1", "incrbyfloat", "k4", "0.1"),
            new Case(EXACT, "11000000000", "incrbyfloat", "k5", "1.1e10"),
            new Case(EXACT, "11000000000.29999999981373549", "incrbyfloat", "k5", "0.3"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", "abc"),
            new Case(EXACT, "ERR increment would produce NaN or Infinity", "incrbyfloat", "k6", "inf"),
            new Case(EXACT, "ERR increment would produce NaN or Infinity", "incrbyfloat", "k6", "-inf"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", "nan"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", ""),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", " 1"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", "1 "),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", "1e5000"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k6", "1e-5000"),
            new Case(EXACT, "16", "incrbyfloat", "k6", "0x10"),
            new Case(EXACT, "19", "incrbyfloat", "k6", "0x1.8p1"),
            new Case(EXACT, "19.5", "incrbyfloat", "k6", ".5"),
            new Case(EXACT, "24.5", "incrbyfloat", "k6", "5."),
            new Case(EXACT, "26.5", "incrbyfloat", "k6", "+2"),
            new Case(EXACT, "26.5", "incrbyfloat", "k6", "1e-20"),
            new Case(EXACT, "26.5", "get", "k6"),
            new Case(EXACT, "OK", "set", "k7", "abc"),
            new Case(EXACT, "ERR value is not a valid float", "incrbyfloat", "k7", "1"),
            new Case(EXACT, "OK", "set", "k8", "1.50"),
            new Case(EXACT, "1.5", "incrbyfloat", "k8", "0"),
            new Case(EXACT, "1.5", "get", "k8"),
            new Case(EXACT, "OK", "set", "k9", "9223372036854775807"),
            new Case(EXACT, "9223372036854775808", "incrbyfloat", "k9", "1"),
            new Case(EXACT, "ERR value is not an integer or out of range", "incr", "k9"),
            new Case(EXACT, "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144", "incrbyfloat", "k10", "1e300"),
            new Case(EXACT, "2000000000000000000017994648159118387741047888546581495876520164642531293192361871511698304167500994380700745017228549671807185112369345967826192521041497292574654271283687306588168510215212033579453305864740061102765895241989080589545563779241212358535223254194821301134374772211380178849830208012288", "incrbyfloat", "k10", "1e300"),
            new Case(EXACT, "1.5", "incrbyfloat", "k11", "1.5"),
            new Case(EXACT, "ERR value is not an integer or out of range", "incr", "k11"),
            new Case(EXACT, "2", "incrbyfloat", "k11", "0.5"),
            new Case(EXACT, "3", "incr", "k11"),
            new Case(EXACT, "3", "get", "k11"),
            new Case(EXACT, "0", "incrbyfloat", "k12", "-0.0"),
            new Case(EXACT, "0.1", "incrbyfloat", "k13", "0.1"),
            new Case(EXACT, "0.3", "incrbyfloat", "k13", "0.2"),
            new Case(EXACT, "0.003", "incrbyfloat", "k14", "3.0e-3"),
            new Case(EXACT, "100000000000000000000601894938796389132383777425453311477378504135253301948660872240753332777943314277366652556366627768206186090644046033662341616493109754210865362373994723782427360775564628207733774677062828108346124470945764363340927284485142091466676540833985649773830675645413703761844047618298286595405404632090829955594232130250332060208007020820362392107915188146020374501477493162049003039499871931261465406408137349324887712089245518638375343919787097804150279771688019395540310772191163864625693948419729312816032948236099699577948922485926403414694908719482079422243368784928456198723013400630541455362632361486447956507939005276198063346364012897969661536254550760830396055383086614559264437228910291860269674176774129715399835926313589798584969763867831058680372002464759306604407032376174743937515194999419152887617227403456123846568953091400249620854748845224921982104921769035924659432618853720084602547693685670772698642580430405368831757238029269088045467785221045879073317742109896534638384553301619296565337753342109755377320210545255958936022773255084354571746971521129302927710064995157927946321287522876870082727462995133158499420324370841219094831561479864172105415839735139574775854832875427053422572136164035622781608009489243336690241745424238262923227754402660964025532555781432158032534035233066061764232669614025723955254912107198518944384677762333488192918977370700840346659520483873362163327338363194485698948413844497838665605875531084883368979189648499884755036426410480080057824551176259469116154573089131974410795389799310100821760126931062989030835789379334434007283778271641052081864009977109440177202473108483586068993653303572685417539619535176809651931094463144592363805321457599337846877529286587143574224977797982277501432447584589961509638007989909953845312104385182134917837173664070264530428425488543761144169036061646636820219430776946220996338769044657669196955157104194128830264891282734519428627112223034782324607349828515370857950006265622271495411332929395334649561594778409117588355498811716738765068152578136186445036499260507912977060479329107655966804115355825476577428883133065867691029650653834398269907682414770607740118550133705367687544086311363017206790222383783852580218140600394260650760982632001519380763303558666153915042560594069176863784581543418458525591507408131725031957270037057987797717764434520593350585037421277906483714624276503471456946430686578482993644575489382521399571013756775034255676232913797338791304730055484173750680015498419868692396528614707927320356100464736528604987679078828830113005043720748906779884207844336016777224583410362930104134525212274343750193525437075704987852683828381070534301015328398595855074166137400121232317256223003729059767502927886548957026880361800152028074858848185863233214542218152450097053373885865288162573815895584046933483010636624326221042921025817397818652220830681420703883159033262215546415921619300547880931377266140644932198952990899040759971726535488708102762241216576479310624630991098475786962798270088505525990097356712849843778267149261035108885827146338749583302181931854870555860639584607039050032320463633938365552812365743811522503543394754387680531778149269129577241040374645677417566688450317550441527082425875030565378847388267103834048127818864801364745019043146973727700800304120469385915354405805910838451654126152112708811640234967915131722739518362849092216133642975738669840192868232365705692475864879384879982290760667907128096439354132512923168245666912345014087912013793154865253760150865620918348692838451584297376016360175623069782677923727507847182425866438213375987615153753259842952199975843101808700181748530091947958317104996778132220293686464878074402536145294711777670112921004987255531646720466847098913020373339134950170871318124406892119958731482397456823417479242913979908858779466652876998660282037596804544520921987559667887791210333694989414237817364869213085417789802019462967031110199493815703876595701479205617373962361487155731771445359733620206877493508640938641422337514176560175826841876411465105308828100924824611019508436446892683757299287011041141487877061639781733452936740323806169963208929354311818529988128046348180069620196672351192255607848383932506741556263305744840874654180859034222847696441668105587556178181000593632819184481591565871968352284597990101833505000624639202765714958033231973966037670718042916628065825843477336276456327713422052577986989383282486642290992848493937496407138624808859240814272364653380188286173620599278196536009000080282140876378764102343765311926375728021277369465521350707571762252116022718715763163558368213008936468254300729204200997615013518941592341324410000642108281739498830026573442267754810074182968284266833447231492870296861620469171736679864291614647301836337052342720341657925081157790098598095740483001940360036186052098593797350695655773975474178335472858935087637937116314108653841811379188662272", "incrbyfloat", "k15", "1e4931"),
            new Case(EXACT, "200000000000000000001203789877592778264767554850906622954757008270506603897321744481506665555886628554733305112733255536412372181288092067324683232986219508421730724747989447564854721551129256415467549354125656216692248941891528726681854568970284182933353081667971299547661351290827407523688095236596573190810809264181659911188464260500664120416014041640724784215830376292040749002954986324098006078999743862522930812816274698649775424178491037276750687839574195608300559543376038791080621544382327729251387896839458625632065896472199399155897844971852806829389817438964158844486737569856912397446026801261082910725264722972895913015878010552396126692728025795939323072509101521660792110766173229118528874457820583720539348353548259430799671852627179597169939527735662117360744004929518613208814064752349487875030389998838305775234454806912247693137906182800499241709497690449843964209843538071849318865237707440169205095387371341545397285160860810737663514476058538176090935570442091758146635484219793069276769106603238593130675506684219510754640421090511917872045546510168709143493943042258605855420129990315855892642575045753740165454925990266316998840648741682438189663122959728344210831679470279149551709665750854106845144272328071245563216018978486673380483490848476525846455508805321928051065111562864316065068070466132123528465339228051447910509824214397037888769355524666976385837954741401680693319040967746724326654676726388971397896827688995677331211751062169766737958379296999769510072852820960160115649102352518938232309146178263948821590779598620201643520253862125978061671578758668868014567556543282104163728019954218880354404946216967172137987306607145370835079239070353619303862188926289184727610642915198675693755058573174287148449955595964555002864895169179923019276015979819907690624208770364269835674347328140529060856850977087522288338072123293273640438861553892441992677538089315338393910314208388257660529782565469038857254224446069564649214699657030741715900012531244542990822665858790669299123189556818235176710997623433477530136305156272372890072998521015825954120958658215311933608230711650953154857766266131735382059301307668796539815364829541215480237100267410735375088172622726034413580444767567705160436281200788521301521965264003038761526607117332307830085121188138353727569163086836917051183014816263450063914540074115975595435528869041186701170074842555812967429248553006942913892861373156965987289150978765042799142027513550068511352465827594677582609460110968347501360030996839737384793057229415854640712200929473057209975358157657660226010087441497813559768415688672033554449166820725860208269050424548687500387050874151409975705367656762141068602030656797191710148332274800242464634512446007458119535005855773097914053760723600304056149717696371726466429084436304900194106747771730576325147631791168093866966021273248652442085842051634795637304441661362841407766318066524431092831843238601095761862754532281289864397905981798081519943453070977416205524482433152958621249261982196951573925596540177011051980194713425699687556534298522070217771654292677499166604363863709741111721279169214078100064640927267876731105624731487623045007086789508775361063556298538259154482080749291354835133376900635100883054164851750061130757694776534207668096255637729602729490038086293947455401600608240938771830708811611821676903308252304225417623280469935830263445479036725698184432267285951477339680385736464731411384951729758769759964581521335814256192878708265025846336491333824690028175824027586309730507520301731241836697385676903168594752032720351246139565355847455015694364851732876426751975230307506519685904399951686203617400363497060183895916634209993556264440587372929756148805072290589423555340225842009974511063293440933694197826040746678269900341742636248813784239917462964794913646834958485827959817717558933305753997320564075193609089041843975119335775582420667389978828475634729738426170835579604038925934062220398987631407753191402958411234747924722974311463542890719467240413754987017281877282844675028353120351653683752822930210617656201849649222039016872893785367514598574022082282975754123279563466905873480647612339926417858708623637059976256092696360139240393344702384511215696767865013483112526611489681749308361718068445695392883336211175112356362001187265638368963183131743936704569195980203667010001249278405531429916066463947932075341436085833256131651686954672552912655426844105155973978766564973284581985696987874992814277249617718481628544729306760376572347241198556393072018000160564281752757528204687530623852751456042554738931042701415143524504232045437431526327116736426017872936508601458408401995230027037883184682648820001284216563478997660053146884535509620148365936568533666894462985740593723240938343473359728583229294603672674104685440683315850162315580197196191480966003880720072372104197187594701391311547950948356670945717870175275874232628217307683622758377324544", "incrbyfloat", "k15", "1e4931"),
            new Case(EXACT, "1", "sadd", "st", "a"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "incrbyfloat", "st", "1"),
            new Case(EXACT, "1", "hset", "h", "f", "abc"),
            new Case(EXACT, "ERR hash value is not a float", "hincrbyfloat", "h", "f", "1"),
            new Case(EXACT, "ERR value is not a valid float", "hincrbyfloat", "h", "f", "x"),
            new Case(EXACT, "ERR value is not a valid float", "hincrbyfloat", "st", "f", "x"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "hincrbyfloat", "st", "f", "1"),
            new Case(EXACT, "10.5", "hincrbyfloat", "h", "g", "10.5"),
            new Case(EXACT, "10.6", "hincrbyfloat", "h", "g", "0.1"),
            new Case(EXACT, "1", "hset", "h", "n", "5"),
            new Case(EXACT, "7.5", "hincrbyfloat", "h", "n", "2.5"),
            new Case(EXACT, "ERR value is NaN or Infinity", "hincrbyfloat", "h", "n", "inf"),
            new Case(EXACT, "7.5", "hget", "h", "n"),
            new Case(EXACT, "ERR hash value is not an integer", "hincrby", "h", "g", "1"),
            new Case(EXACT, "1", "hset", "h", "i", "1.0"),
            new Case(EXACT, "1", "hincrbyfloat", "h", "i", "0"),
            new Case(EXACT, "1", "hget", "h", "i"),
            new Case(EXACT, "ERR value is NaN or Infinity", "hincrbyfloat", "st", "f", "inf")
    );

    /** OBJECT ENCODING for values whose encoding CalmDB derives as Redis 7.0 chooses it (see docs/resp.md). */
    private static final List<Case> ENCODINGS = List.of(
            new Case(EXACT, "OK", "set", "i", "123"),
            new Case(EXACT, "OK", "set", "e", "hello"),
            new Case(EXACT, "OK", "set", "r", "x".repeat(45)),
            new Case(EXACT, "2", "sadd", "is", "1", "2"),
            new Case(EXACT, "1", "sadd", "hs", "a"),
            new Case(EXACT, "1", "hset", "lp", "f", "v"),
            new Case(EXACT, "int", "object", "encoding", "i"),
            new Case(EXACT, "embstr", "object", "encoding", "e"),
            new Case(EXACT, "raw", "object", "encoding", "r"),
            new Case(EXACT, "intset", "object", "encoding", "is"),
            new Case(EXACT, "hashtable", "object", "encoding", "hs"),
            new Case(EXACT, "listpack", "object", "encoding", "lp"),
            new Case(EXACT, "1", "object", "refcount", "e"));

    @TempDir
    Path directory;

    private TestCluster cluster;

    @BeforeEach
    void start() {
        cluster = new TestCluster(directory);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void everyReply_isRedis70s() throws Exception {
        assertSameAsRedis(SEQUENCE);
    }

    @Test
    void objectEncoding_answersWhatRedis70Reports() throws Exception {
        assertSameAsRedis(ENCODINGS);
    }

    @Test
    void floatIncrements_printRedis70sDigits() throws Exception {
        assertSameAsRedis(FLOATS);
    }

    @Test
    void scanCursors_areReadAsStrtoulReadsThem_andAFullScanHonoursMatchCountAndType() throws Exception {
        int port = cluster.node(TestCluster.REGIONS.get(0)).respPort();
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (int i = 0; i < 60; i++) {
            switch (i % 3) {
                case 0 -> RedisCli.run(port, "SET", "k" + i, "v");
                case 1 -> {
                    RedisCli.run(port, "SADD", "k" + i, "m");
                    if (("k" + i).charAt(1) <= '4') {
                        expected.add("k" + i);
                    }
                }
                default -> RedisCli.run(port, "HSET", "k" + i, "f", "v");
            }
        }
        RedisCli.run(port, "SADD", "other", "m");
        // Cursors are hashes here, so a cursor beyond every hash (2^64 - 1, which "-1" is) ends the scan at once.
        assertThat(RedisCli.run(port, "SCAN", "-1")).isEqualTo("0");
        assertThat(RedisCli.run(port, "SCAN", "+0", "COUNT", "1000").lines().count()).isEqualTo(62);
        assertThat(RedisCli.run(port, "SCAN", "00", "TYPE", "list", "COUNT", "1000")).isEqualTo("0");
        java.util.Set<String> scanned = new java.util.HashSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            List<String> lines = RedisCli.run(port, "SCAN", cursor, "MATCH", "k[0-4]*", "COUNT", "7", "TYPE", "set")
                    .lines().toList();
            cursor = lines.get(0);
            scanned.addAll(lines.subList(1, lines.size()).stream().filter(line -> !line.isEmpty()).toList());
            calls++;
        } while (!cursor.equals("0") && calls < 100);
        assertThat(calls).isGreaterThan(1);
        assertThat(scanned).isEqualTo(expected);
    }

    private void assertSameAsRedis(List<Case> sequence) throws Exception {
        int port = cluster.node(TestCluster.REGIONS.get(0)).respPort();
        List<String> mismatches = new ArrayList<>();
        for (Case step : sequence) {
            String actual = RedisCli.run(port, step.arguments());
            // RedisCli trims its output as String.trim does (control bytes such as NUL included), so trim both.
            String expected = step.expected().trim();
            boolean same = step.order() == EXACT ? actual.equals(expected)
                    : sortedLines(actual).equals(sortedLines(expected));
            if (!same) {
                mismatches.add(String.join(" ", step.arguments()) + "\n  expected: " + step.expected().replace("\n", "|")
                        + "\n  actual:   " + actual.replace("\n", "|"));
            }
        }
        assertThat(mismatches).as("commands whose reply differs from Redis 7.0").isEmpty();
    }

    private static List<String> sortedLines(String output) {
        List<String> lines = new ArrayList<>(Arrays.asList(output.split("\n")));
        lines.sort(null);
        return lines;
    }
}
