import { defineCatalog } from '../protocol/i18n.ts';

// Messages about the configuration file (ecert.config.ts / .json).
export const configMessages = defineCatalog(
  {
    missing: 'config file {file} does not exist',
    'missing.hint': 'check the --config path',
    unreadable: 'cannot load {file}: {reason}',
    'hint.moduleNotFound': 'the config file imports a module that cannot be found from its folder; write it as a plain object export, `export default` followed by the object (see ecert.config.example.ts)',
    'hint.syntax': 'fix the file: it must default-export the configuration object (see ecert.config.example.ts)',
    notObject: '{file} must default-export an object with the configuration',
    invalid: '{file} is not a valid ecert configuration: {problems}',
    'invalid.hint': 'see ecert.config.example.ts for every key and its meaning',
    unknownKey: '{path} has an unknown key "{key}"',
    hubUrl: '{file}: hub.url must be an https:// URL, got "{url}"',
  },
  {
    missing: 'файл конфигурации {file} не существует',
    'missing.hint': 'проверьте путь в --config',
    unreadable: 'не удаётся загрузить {file}: {reason}',
    'hint.moduleNotFound': 'файл конфигурации импортирует модуль, который не находится из его папки; оформите его как обычный экспорт объекта: `export default` и сам объект (см. ecert.config.example.ts)',
    'hint.syntax': 'исправьте файл: он должен экспортировать объект конфигурации по умолчанию (см. ecert.config.example.ts)',
    notObject: '{file} должен экспортировать по умолчанию объект с конфигурацией',
    invalid: '{file} не является допустимой конфигурацией ecert: {problems}',
    'invalid.hint': 'все ключи и их смысл описаны в ecert.config.example.ts',
    unknownKey: 'в {path} неизвестный ключ «{key}»',
    hubUrl: '{file}: hub.url должен быть URL вида https://, получено «{url}»',
  },
);
