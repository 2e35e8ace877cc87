import { defineCatalog } from '../../protocol/i18n.ts';

// Messages of the CLI frame itself. Each command keeps its own catalog beside it.
export const cliMessages = defineCatalog(
  {
    'program.description': 'Conformance and interoperability harness for the CAREC e-CERT Hub.',
    'option.lang': 'language of messages and reports: en or ru (default: from ECERT_LANG or the locale)',
    'error.prefix': 'error',
    'error.hint': 'what to do',
    'error.internal': 'internal error in the harness: {message}. This is a bug; please report it with the command you ran (set ECERT_DEBUG=1 to see the stack).',
    'error.unknownCommand': 'unknown command "{command}". Run "ecert --help" to see the commands.',
    'error.unknownOption': 'unknown option {option}. Run "ecert {command} --help" to see the options.',
    'error.missingArgument': 'missing argument {argument}. Run "ecert {command} --help".',
    'error.missingOption': 'missing required option {option}. Run "ecert {command} --help".',
    'error.invalidArgument': '{message}',
    'error.excessArguments': 'too many arguments. Run "ecert {command} --help".',
    'error.badLang': 'unknown language "{lang}": use en or ru.',
    'error.didYouMean': '(Did you mean {suggestion}?)',
    'warning.badEnvLang': 'warning: ECERT_LANG="{lang}" is not a language the harness speaks (en, ru); messages and reports are in English.',
  },
  {
    'program.description': 'Средство проверки соответствия и совместимости для хаба e-CERT ЦАРЭС.',
    'option.lang': 'язык сообщений и отчётов: en или ru (по умолчанию — из ECERT_LANG или локали)',
    'error.prefix': 'ошибка',
    'error.hint': 'что делать',
    'error.internal': 'внутренняя ошибка средства проверки: {message}. Это дефект; сообщите о нём, указав выполненную команду (ECERT_DEBUG=1 покажет стек вызовов).',
    'error.unknownCommand': 'неизвестная команда «{command}». Список команд: «ecert --help».',
    'error.unknownOption': 'неизвестный параметр {option}. Список параметров: «ecert {command} --help».',
    'error.missingArgument': 'не указан аргумент {argument}. См. «ecert {command} --help».',
    'error.missingOption': 'не указан обязательный параметр {option}. См. «ecert {command} --help».',
    'error.invalidArgument': '{message}',
    'error.excessArguments': 'слишком много аргументов. См. «ecert {command} --help».',
    'error.badLang': 'неизвестный язык «{lang}»: используйте en или ru.',
    'error.didYouMean': '(Возможно, имелось в виду {suggestion}?)',
    'warning.badEnvLang': 'предупреждение: ECERT_LANG="{lang}" — язык, которого средство проверки не знает (en, ru); сообщения и отчёты будут на английском.',
  },
);
